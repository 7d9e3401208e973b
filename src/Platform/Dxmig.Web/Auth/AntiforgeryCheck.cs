using Dxmig.Web.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Dxmig.Web.Auth;

/// <summary>
/// Every form the console accepts carries an antiforgery token: an endpoint says so with
/// <see cref="RequireAntiforgery{TBuilder}"/> (metadata the route-table test reads), and <see cref="CheckAsync"/>, after
/// authorization and ASP.NET Core's antiforgery middleware (which validates) and before the endpoint, answers a 400 page
/// when the token was missing or wrong.
/// </summary>
internal static class AntiforgeryCheck
{
    public static TBuilder RequireAntiforgery<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequireAntiforgeryTokenAttribute());

    public static async Task CheckAsync(HttpContext http, Func<Task> next)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(next);
        if (http.GetEndpoint()?.Metadata.GetMetadata<IAntiforgeryMetadata>() is { RequiresValidation: true } &&
            !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) &&
            http.Features.Get<IAntiforgeryValidationFeature>() is not { IsValid: true })
        {
            await Layout.WriteProblemAsync(http, StatusCodes.Status400BadRequest,
                "フォームの有効期限が切れたか、別の画面から送られました。画面を開き直してもう一度操作してください / the form expired or came from another page: reopen the page and try again");
            return;
        }

        await next();
    }
}
