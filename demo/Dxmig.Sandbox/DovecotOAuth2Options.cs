namespace Dxmig.Sandbox;

/// <summary>
/// App-only OAuth 2.0 logins (SASL <c>XOAUTH2</c> and <c>OAUTHBEARER</c>) on a <see cref="DovecotServer"/>, validated
/// by Dovecot itself the way Exchange Online validates them: its oauth2 passdb asks a token introspection endpoint
/// (RFC 7662, form POST) and refuses a token that is not active (unknown, revoked, expired), not of
/// <see cref="TenantId"/>, or not for <see cref="Audience"/>; then the login's mailbox must be one the application has
/// FullAccess on (<see cref="MailboxesWithAccess"/>, changeable while running with
/// <see cref="DovecotServer.SetOAuth2MailboxAccessAsync"/>). Password logins and the master user work as without it.
/// </summary>
public sealed record DovecotOAuth2Options
{
    /// <summary>Exchange Online's resource: the audience its IMAP accepts.</summary>
    public const string ExchangeAudience = "https://outlook.office365.com";

    /// <summary>The introspection endpoint (https, or http on loopback); the token is posted as <c>token=…</c>.</summary>
    public required Uri IntrospectionUrl { get; init; }

    /// <summary>The certificate (PEM) Dovecot trusts for an https <see cref="IntrospectionUrl"/>: the introspecting
    /// server's self-signed one. Required for https; the host name or IP in the URL must be in its SAN.</summary>
    public string? CaCertificatePem { get; init; }

    /// <summary>The tenant (directory) id whose tokens are accepted: the introspection answer's <c>tid</c> must be it.</summary>
    public required string TenantId { get; init; }

    /// <summary>The audience a token must be for (the introspection answer's <c>aud</c>).</summary>
    public string Audience { get; init; } = ExchangeAudience;

    /// <summary>The mailboxes (login names, UPNs; Dovecot lower-cases them) the application has FullAccess on; a
    /// valid token for any other mailbox is refused.</summary>
    public IReadOnlyList<string> MailboxesWithAccess { get; init; } = [];
}
