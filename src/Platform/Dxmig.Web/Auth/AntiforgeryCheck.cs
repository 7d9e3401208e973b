using Dxmig.Web.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Dxmig.Web.Auth;

/// <summary>
/// Every form the console accepts carries an antiforgery token: checked here before the handler runs (a 400 page when
/// it is missing or wrong), and marked on the endpoint so the route-table test can see that every POST has it.
/// </summary>
internal static class AntiforgeryCheck
{
    public static RouteHandlerBuilder RequireAntiforgery(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new RequireAntiforgeryTokenAttribute()).AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (!await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http))
            {
                await Layout.WriteProblemAsync(http, StatusCodes.Status400BadRequest,
                    "フォームの有効期限が切れたか、別の画面から送られました。画面を開き直してもう一度操作してください / the form expired or came from another page: reopen the page and try again");
                return Results.Empty;
            }

            return await next(context);
        });
}
