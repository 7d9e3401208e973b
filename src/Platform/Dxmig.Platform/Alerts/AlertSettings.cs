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
/// The <c>alerts:</c> section of a job file: the SMTP server (STARTTLS or implicit TLS, verified against the system's
/// CAs or a CA file, or pinned; plain on loopback only), the login (user and a password by reference only), the
/// sender, the admins, and when to mail them.
/// </summary>
public sealed record AlertSettings(
    string Host, int Port, string Security, string? PinnedSha256, string From, IReadOnlyList<string> To, string? User, SecretReference? Password, AlertWhen When)
{
    public static readonly string[] Keys =
        ["smtp-host", "smtp-port", "security", "certificate-sha256", "ca-certificate", "from", "to", "user", "password-env", "password-file", "on", "daily-summary"];

    /// <summary>A CA certificate file (PEM) trusted for the SMTP server besides the system's (absolute path); null: the system's only.</summary>
    public string? CaCertificate { get; init; }

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

        var pin = section.Value("certificate-sha256");
        var ca = section.Value("ca-certificate") is { Length: > 0 } caPath ? section.ResolvePath(caPath) : null;
        if (pin is not null && ca is not null)
        {
            section.Diagnostics.Error(section.PositionOf("ca-certificate"),
                "'alerts.ca-certificate' と 'alerts.certificate-sha256' はどちらか一方だけ書いてください", "give either 'alerts.ca-certificate' or 'alerts.certificate-sha256', not both");
        }

        if (ca is not null && !File.Exists(ca))
        {
            section.Diagnostics.Error(section.PositionOf("ca-certificate"), $"CA 証明書のファイル {ca} がありません", $"the CA certificate file {ca} does not exist");
        }

        if (security == "none" && (pin is not null || ca is not null))
        {
            section.Diagnostics.Error(section.PositionOf("security"),
                "証明書の設定 (certificate-sha256, ca-certificate) には TLS が必要です。security を starttls か tls にしてください",
                "certificate settings (certificate-sha256, ca-certificate) need TLS; set security to starttls or tls");
        }

        var user = section.Value("user");
        var password = section.Secret("password");
        if (user is not null && password is null)
        {
            section.Diagnostics.Error(section.PositionOf("user"),
                "'alerts.user' のパスワードを 'alerts.password-env' か 'alerts.password-file' で参照してください", "reference the password of 'alerts.user' with 'alerts.password-env' or 'alerts.password-file'");
        }
        else if (user is null && password is not null)
        {
            section.Diagnostics.Error(section.Position, "パスワードの参照があるのに 'alerts.user' がありません", "a password is referenced but 'alerts.user' is missing");
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
            : new AlertSettings(host, port, security, pin, from, to, user, password,
                when == "always" ? AlertWhen.Always : AlertWhen.Failure) { DailySummary = summary, CaCertificate = ca };
    }
}
