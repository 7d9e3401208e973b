using Azure.Core;
using Azure.Identity;
using Dxmig.Contracts;
using Dxmig.Imap;

namespace Dxmig.Loaders.Imap;

/// <summary>
/// App-only access tokens for IMAP from Azure.Identity (client certificate preferred, or secret): by default for
/// Exchange Online (<c>https://outlook.office365.com/.default</c>, application permission <c>IMAP.AccessAsApp</c>).
/// Azure.Identity caches a token and gets a new one before it expires, so every login gets one with most of its life
/// left. A refused request fails with a plain message; no token or secret is ever in it.
/// </summary>
public sealed class AppTokenSource(TokenCredential credential, string scope = AppTokenSource.ExchangeScope) : IImapTokenSource
{
    /// <summary>Exchange Online's resource for IMAP, POP and SMTP, app-only.</summary>
    public const string ExchangeScope = "https://outlook.office365.com/.default";

    private readonly TokenRequestContext context = new([scope]);

    public async ValueTask<ImapAccessToken> GetTokenAsync(CancellationToken cancellationToken)
    {
        try
        {
            var token = await credential.GetTokenAsync(context, cancellationToken);
            return new ImapAccessToken(token.Token, token.ExpiresOn);
        }
        catch (AuthenticationFailedException ex)
        {
            throw new AccountFailedException(
                $"Entra ID から IMAP 用のアクセス トークンを取得できません。テナント ID・クライアント ID・証明書またはシークレットを確認してください ({ex.Message})",
                $"cannot get an access token for IMAP from Entra ID; check the tenant id, client id and the certificate or secret ({ex.Message})",
                ex);
        }
    }
}
