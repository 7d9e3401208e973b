using Dxmig.Platform.JobFiles;

namespace Dxmig.Platform.Alerts;

/// <summary>When the admins are mailed about a run.</summary>
public enum AlertWhen
{
    /// <summary>A run that failed, stopped on its own, or left accounts incomplete.</summary>
    Failure,

    /// <summary>Every run (a summary each time).</summary>
    Always,
}

/// <summary>
/// The <c>alerts:</c> section of a job file: the SMTP server (TLS verified, pinned, or plain on loopback only), the
/// sender, the admins, and when to mail them. The SMTP password, if the server needs one, is a reference only.
/// </summary>
public sealed record AlertSettings(
    string Host, int Port, string Security, string? PinnedSha256, string From, IReadOnlyList<string> To, string? User, SecretReference? Password, AlertWhen When)
{
    public static readonly string[] Keys =
        ["smtp-host", "smtp-port", "security", "certificate-sha256", "from", "to", "user", "password-env", "password-file", "on", "daily-summary"];

    /// <summary>When <c>dxmig serve</c> mails the day's summary of this job's runs (the job's time zone); null: never.</summary>
    public TimeOnly? DailySummary { get; init; }

    /// <summary>Reads and checks the section; null when it has errors (reported in the diagnostics).</summary>
    public static AlertSettings? Read(JobSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        section.CheckKeys(Keys);
        var host = section.Value("smtp-host", required: true);
        var security = section.Choice("security", ["none", "starttls", "tls"], "starttls");
        var port = section.Number("smtp-port", 1, 65535) ?? (security == "tls" ? 465 : security == "starttls" ? 587 : 25);
        var from = section.Value("from", required: true);
        var to = section.StringList("to");
        var when = section.Choice("on", ["failure", "always"], "failure");
        if (to.Count == 0)
        {
            section.Diagnostics.Error(section.Position, "'alerts.to' に管理者のアドレスを 1 つ以上書いてください", "'alerts.to' needs at least one admin address");
        }

        if (security == "none" && host is not null && !Imap.ImapEndpoint.IsLoopbackHost(host))
        {
            section.Diagnostics.Error(section.PositionOf("security"),
                "security: none (平文) の SMTP はループバックにだけ使えます", "security: none (plain SMTP) is allowed only to loopback");
        }

        TimeOnly? summary = null;
        if (section.Value("daily-summary") is { } at)
        {
            if (TimeOnly.TryParseExact(at, "HH:mm", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var time))
            {
                summary = time;
            }
            else
            {
                section.Diagnostics.Error(section.PositionOf("daily-summary"), $"'daily-summary' は \"08:00\" の形で書いてください: {at}", $"'daily-summary' must look like \"08:00\": {at}");
            }
        }

        return host is null || from is null || security is null || to.Count == 0 || when is null
            ? null
            : new AlertSettings(host, port, security, section.Value("certificate-sha256"), from, to, section.Value("user"), section.Secret("password"),
                when == "always" ? AlertWhen.Always : AlertWhen.Failure) { DailySummary = summary };
    }
}
