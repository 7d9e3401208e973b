using Dxmig.Contracts;
using Dxmig.Platform.Logging;
using Dxmig.Web;

namespace Dxmig.Cli.Serve;

/// <summary>What <c>dxmig serve --console …</c> was given on its command line.</summary>
/// <param name="Url">Where the console listens.</param>
/// <param name="Certificate">The HTTPS certificate file (PFX or PEM with its key).</param>
/// <param name="Accounts">The local accounts file (off when null).</param>
internal sealed record ConsoleArguments(string Url, string? Certificate, string? Accounts);

/// <summary>
/// The console's settings from the command line and the environment: Entra ID sign-in from
/// <c>DXMIG_CONSOLE_TENANT</c> and <c>DXMIG_CONSOLE_CLIENT_ID</c> (with <c>DXMIG_CONSOLE_CLIENT_SECRET</c>, and
/// <c>DXMIG_CONSOLE_AUTHORITY</c> / <c>DXMIG_CONSOLE_AUTHORITY_CERTIFICATE_SHA256</c> for a rehearsal's own identity
/// server), group ids from <c>DXMIG_CONSOLE_VIEWER_GROUP</c> / <c>DXMIG_CONSOLE_OPERATOR_GROUP</c>, the certificate's
/// password from <c>DXMIG_CONSOLE_CERTIFICATE_PASSWORD</c> and the metrics scrape token from
/// <c>DXMIG_CONSOLE_SCRAPE_TOKEN</c>. Every secret is registered with the masker before anything is logged.
/// </summary>
internal static class ConsoleLaunch
{
    /// <exception cref="ConfigurationException">The URL is not one, or the settings cannot work.</exception>
    public static WebConsoleSettings Settings(ConsoleArguments arguments, ServeSettings serve, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(serve);
        if (!Uri.TryCreate(arguments.Url, UriKind.Absolute, out var url))
        {
            throw new ConfigurationException($"--console の URL が読めません: {arguments.Url} / --console is not a URL (https://HOST:PORT)");
        }

        string? Secret(string name)
        {
            var value = environment(name);
            if (value is { Length: > 0 })
            {
                SecretMasker.Register(value);
                return value;
            }

            return null;
        }

        EntraSignIn? entra = null;
        if (environment("DXMIG_CONSOLE_TENANT") is { Length: > 0 } tenant && environment("DXMIG_CONSOLE_CLIENT_ID") is { Length: > 0 } client)
        {
            entra = new EntraSignIn(
                environment("DXMIG_CONSOLE_AUTHORITY") is { Length: > 0 } authority ? authority : $"https://login.microsoftonline.com/{tenant}/v2.0",
                client,
                Secret("DXMIG_CONSOLE_CLIENT_SECRET"),
                environment("DXMIG_CONSOLE_AUTHORITY_CERTIFICATE_SHA256"))
            {
                ViewerGroup = environment("DXMIG_CONSOLE_VIEWER_GROUP"),
                OperatorGroup = environment("DXMIG_CONSOLE_OPERATOR_GROUP"),
            };
        }

        var settings = new WebConsoleSettings
        {
            Listen = url,
            CertificatePath = arguments.Certificate is null ? null : Path.GetFullPath(arguments.Certificate),
            CertificatePassword = Secret("DXMIG_CONSOLE_CERTIFICATE_PASSWORD"),
            Entra = entra,
            LocalAccountsFile = arguments.Accounts is null ? null : Path.GetFullPath(arguments.Accounts),
            ScrapeToken = Secret("DXMIG_CONSOLE_SCRAPE_TOKEN"),
            JobsDirectory = serve.JobsDirectory,
            SchedulerStore = serve.Store,
            ClosedDays = serve.ClosedDays,
            Node = serve.Node,
            Time = serve.Time,
            Environment = environment,
        };
        if (settings.Problems() is { Count: > 0 } problems)
        {
            throw new ConfigurationException(string.Join(Environment.NewLine, problems));
        }

        return settings;
    }
}
