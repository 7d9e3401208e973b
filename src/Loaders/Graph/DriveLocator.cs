using Dxmig.Contracts;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// Finds the drive a <see cref="DriveKind.Drive"/> or <see cref="DriveKind.Site"/> target names, once per run, and
/// answers its Graph path <c>/drives/{drive-id}</c>: a drive id is checked with <c>GET /drives/{id}</c>; a site
/// given as <c>hostname:/path</c> is turned into its id with <c>GET /sites/{hostname}:/{path}</c>; a named library is
/// looked up among <c>GET /sites/{site-id}/drives</c> (by name, exactly, then ignoring case), otherwise the site's
/// default library is <c>GET /sites/{site-id}/drive</c>. Every item request then goes to <c>/drives/{drive-id}</c>,
/// so the target keys in the ledger do not depend on how the site was written.
/// </summary>
public static class DriveLocator
{
    /// <summary>The lane (throttling and circuit) the look-ups run in.</summary>
    public const string Lane = "sharepoint";

    /// <summary>The site's id and path when the value is written <c>hostname:/path</c> or as an https URL; else null.</summary>
    public static (string Hostname, string Path)? SitePath(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttps && url.AbsolutePath.Length > 1)
        {
            return (url.Host, Uri.UnescapeDataString(url.AbsolutePath).TrimEnd('/'));
        }

        var colon = text.IndexOf(":/", StringComparison.Ordinal);
        return colon > 0 && text[(colon + 2)..].Trim('/').Length > 0 && !text[..colon].Contains(',', StringComparison.Ordinal)
            ? (text[..colon], "/" + text[(colon + 2)..].Trim('/'))
            : null;
    }

    /// <summary>True when the value is a site id in Graph's composite form (<c>hostname,guid,guid</c>).</summary>
    public static bool IsSiteId(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var parts = value.Split(',');
        return parts.Length == 3 && parts[0].Length > 0 && !parts[0].Contains(':', StringComparison.Ordinal) &&
               Guid.TryParse(parts[1], out _) && Guid.TryParse(parts[2], out _);
    }

    /// <summary>The Graph path of the target's drive (<c>/drives/{id}</c>); an owner target is answered by <see cref="DriveTarget.DriveBase"/>.</summary>
    /// <exception cref="AccountFailedException">The site, library or drive is not there, or Graph refuses to say.</exception>
    public static async Task<string> ResolveAsync(GraphEngine engine, DriveTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(target);
        if (target.Kind == DriveKind.Owner)
        {
            throw new ArgumentException("an owner's OneDrive is found per document", nameof(target));
        }

        var given = target.Id ?? string.Empty;
        if (target.Kind == DriveKind.Drive)
        {
            var drive = await GetAsync(engine, "/drives/" + Uri.EscapeDataString(given), cancellationToken);
            return drive.IsDone
                ? "/drives/" + Uri.EscapeDataString(drive.Property("id") ?? given)
                : throw Failed(drive, $"ドライブ (ドキュメント ライブラリ) {given} が見つかりません", $"the drive (document library) {given} was not found",
                    $"ドライブ {given} を読めません", $"cannot read the drive {given}");
        }

        var siteId = given;
        if (SitePath(given) is var (hostname, path))
        {
            var address = "/sites/" + Uri.EscapeDataString(hostname) + ":" + string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
            var site = await GetAsync(engine, address, cancellationToken);
            siteId = site.IsDone && site.Property("id") is { } id
                ? id
                : throw Failed(site, $"SharePoint サイト {hostname}:{path} が見つかりません (ホスト名とパスを確かめてください)",
                    $"the SharePoint site {hostname}:{path} was not found (check the host name and the path)",
                    $"SharePoint サイト {hostname}:{path} を読めません", $"cannot read the SharePoint site {hostname}:{path}");
        }

        var siteBase = "/sites/" + Uri.EscapeDataString(siteId);
        if (target.Library is not { } library)
        {
            var drive = await GetAsync(engine, siteBase + "/drive", cancellationToken);
            return drive.IsDone && drive.Property("id") is { } driveId
                ? "/drives/" + Uri.EscapeDataString(driveId)
                : throw Failed(drive, $"SharePoint サイト {given} が見つかりません", $"the SharePoint site {given} was not found",
                    $"SharePoint サイト {given} の既定のライブラリを読めません", $"cannot read the default library of the SharePoint site {given}");
        }

        var names = new List<(string Id, string Name)>();
        string? next = siteBase + "/drives";
        while (next is not null)
        {
            var page = await GetAsync(engine, next, cancellationToken);
            if (!page.IsDone)
            {
                throw Failed(page, $"SharePoint サイト {given} が見つかりません", $"the SharePoint site {given} was not found",
                    $"SharePoint サイト {given} のライブラリ一覧を読めません", $"cannot list the libraries of the SharePoint site {given}");
            }

            foreach (var drive in page.Body.GetProperty("value").EnumerateArray())
            {
                names.Add((drive.GetProperty("id").GetString()!, drive.GetProperty("name").GetString() ?? string.Empty));
            }

            next = GraphMailFolders.NextLink(page, engine.Options.BaseUrl);
        }

        var match = names.FirstOrDefault(d => string.Equals(d.Name, library, StringComparison.Ordinal));
        if (match.Id is null)
        {
            var folded = names.Where(d => string.Equals(d.Name, library, StringComparison.OrdinalIgnoreCase)).ToList();
            match = folded.Count == 1 ? folded[0] : default;
        }

        var known = names.Count == 0 ? "(なし / none)" : string.Join(", ", names.Select(d => d.Name));
        return match.Id is not null
            ? "/drives/" + Uri.EscapeDataString(match.Id)
            : throw new AccountFailedException(
                $"SharePoint サイト {given} にライブラリ「{library}」がありません (あるライブラリ: {known})",
                $"the SharePoint site {given} has no library named '{library}' (its libraries: {known})");
    }

    private static Task<GraphOutcome> GetAsync(GraphEngine engine, string path, CancellationToken cancellationToken) =>
        engine.RunAsync(Lane, new GraphOperation("GET", path), cancellationToken);

    private static AccountFailedException Failed(GraphOutcome answer, string missingJa, string missingEn, string otherJa, string otherEn) =>
        answer.Status is 404 or 400 && answer.Kind == GraphOutcomeKind.Refused
            ? new AccountFailedException(missingJa, missingEn)
            : new AccountFailedException($"{otherJa} ({answer.Reason})", $"{otherEn} ({answer.Reason})");
}
