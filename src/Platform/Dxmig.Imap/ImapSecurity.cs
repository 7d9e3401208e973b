namespace Dxmig.Imap;

/// <summary>How an IMAP connection is protected.</summary>
public enum ImapSecurity
{
    /// <summary>Plain text: allowed only to a loopback address (tests, a local sandbox).</summary>
    None,

    /// <summary>STARTTLS on the plain port, certificate verified.</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 993), certificate verified.</summary>
    Tls,
}

/// <summary>How dxmig opens a user's mailbox with the migration team's one admin credential.</summary>
public enum ImapLoginMode
{
    /// <summary>Dovecot-style master user: login <c>{account}{separator}{admin}</c> with the admin's password.</summary>
    MasterUser,

    /// <summary>SASL PLAIN with an authorization identity: authzid = account, authcid = admin.</summary>
    SaslAuthzid,

    /// <summary>Each account with its own password (fallback for servers without admin impersonation).</summary>
    PerAccount,

    /// <summary>
    /// App-only OAuth 2.0 (Exchange Online): SASL XOAUTH2 (OAUTHBEARER where only that is offered) with the account's
    /// address as the user and an access token from <see cref="ImapEndpoint.TokenSource"/>.
    /// </summary>
    OAuth2,
}
