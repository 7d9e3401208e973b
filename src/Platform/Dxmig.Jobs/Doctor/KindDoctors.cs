using Dxmig.Contracts.Mappings;
using Dxmig.Jobs.AddressBook;
using Dxmig.Jobs.Cess.Calendar;
using Dxmig.Jobs.Cess.Documents;
using Dxmig.Jobs.Cess.Staff;
using Dxmig.Jobs.Mail;
using Dxmig.Jobs.Mobile.Devices;
using Dxmig.Jobs.Mobile.TeleworkGroups;
using Dxmig.Loaders.Graph;

namespace Dxmig.Jobs.Doctor;

/// <summary>
/// Each kind's endpoints for <c>dxmig doctor</c>, from its checked settings: which servers, files and stores the run
/// would use, and for Graph which application permission each cheap read proves. The kinds' <see cref="IDoctorableKind{TSettings}"/>
/// implementations call these, so a kind's file carries one line for it.
/// </summary>
public static class KindDoctors
{
    private const string SourceImap = "移行元 IMAP / source IMAP";
    private const string TargetImap = "移行先 IMAP / target IMAP";
    private const string TargetExchangeImap = "移行先 Exchange Online (IMAP) / target Exchange Online (IMAP)";
    private const string TargetGraph = "移行先 Microsoft Graph / target Microsoft Graph";
    private const string SourceCsv = "移行元 CSV / source CSV";
    private const string PlatformStore = "プラットフォーム DB / platform store";

    public static IEnumerable<DoctorEndpoint> Mail(JobContext<MailJobSettings> context, DoctorRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var (job, settings) = (context.File, context.Settings);
        var sources = settings.Identities.SourceAccounts.ToList();
        yield return ImapDoctor.Endpoint(SourceImap, settings.Source.Endpoint, () => settings.Source.Resolve(job.Environment), sources, target: false);
        var targets = sources.Take(request.Accounts).Select(settings.Identities.TargetOf).ToList();
        if (settings.Target is { } imap)
        {
            yield return ImapDoctor.Endpoint(settings.ExchangeImap ? TargetExchangeImap : TargetImap, imap.Endpoint, () => settings.ResolveTarget(job.Environment), targets, target: true);
        }

        if ((settings.Graph ?? (settings.RouteImapFirst ? settings.ExchangeApp : null)) is { } graph)
        {
            yield return GraphDoctor.Endpoint(TargetGraph, graph, job.Environment,
                [.. targets.Select(upn => new GraphRead(GraphAppRole.MailReadWrite, $"/users/{Uri.EscapeDataString(upn)}/mailFolders?$top=1", $"メールボックス {upn} のフォルダー / mail folders of {upn}"))]);
        }
    }

    public static IEnumerable<DoctorEndpoint> AddressBook(JobContext<AddressBookJobSettings> context, DoctorRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var (job, settings) = (context.File, context.Settings);
        foreach (var (account, file) in settings.Files.Take(request.Accounts))
        {
            yield return FileDoctor.Csv($"{SourceCsv} ({account})", file, settings.Encoding);
        }

        if (settings.Graph is { } graph)
        {
            var mailboxes = settings.Files.Keys.Take(request.Accounts).Select(a => settings.Identities?.Contains(a) == true ? settings.Identities.TargetOf(a) : a);
            yield return GraphDoctor.Endpoint(TargetGraph, graph, job.Environment,
                [.. mailboxes.Select(upn => new GraphRead(GraphAppRole.ContactsReadWrite, $"/users/{Uri.EscapeDataString(upn)}/contactFolders?$top=1", $"{upn} の連絡先フォルダー / contact folders of {upn}"))]);
        }
        else
        {
            yield return StoreDoctor.Endpoint(PlatformStore, settings.Store, job.Directory, settings.StorePassword, job.Environment);
        }
    }

    public static IEnumerable<DoctorEndpoint> Staff(JobContext<StaffJobSettings> context, DoctorRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var (job, settings) = (context.File, context.Settings);
        yield return FileDoctor.Csv(SourceCsv, settings.File, settings.Encoding);
        if (settings.Graph is { } graph)
        {
            yield return GraphDoctor.Endpoint(TargetGraph, graph, job.Environment,
            [
                new GraphRead(GraphAppRole.UserReadWriteAll, "/users?$top=1&$select=id", "ユーザーの一覧 / the user list"),
                .. Targets(settings.Identities, request).Select(upn => new GraphRead(GraphAppRole.UserReadWriteAll, $"/users/{Uri.EscapeDataString(upn)}?$select=id", $"ユーザー {upn} / user {upn}")),
            ]);
        }
        else
        {
            yield return StoreDoctor.Endpoint(PlatformStore, settings.Store, job.Directory, settings.StorePassword, job.Environment);
        }
    }

    public static IEnumerable<DoctorEndpoint> Calendar(JobContext<CalendarJobSettings> context, DoctorRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var (job, settings) = (context.File, context.Settings);
        yield return FileDoctor.Csv(SourceCsv, settings.File, settings.Encoding);
        if (settings.Graph is { } graph)
        {
            var calendars = settings.Facilities is { } rooms ? rooms.All.Select(f => f.RoomAddress).Take(request.Accounts) : Targets(settings.Identities, request);
            yield return GraphDoctor.Endpoint(TargetGraph, graph, job.Environment,
                [.. calendars.Select(upn => new GraphRead(GraphAppRole.CalendarsReadWrite, $"/users/{Uri.EscapeDataString(upn)}/events?$top=1&$select=id", $"{upn} の予定表 / calendar of {upn}"))]);
        }
        else
        {
            yield return StoreDoctor.Endpoint(PlatformStore, settings.Store, job.Directory, settings.StorePassword, job.Environment);
        }
    }

    public static IEnumerable<DoctorEndpoint> Documents(JobContext<DocumentJobSettings> context, DoctorRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var (job, settings) = (context.File, context.Settings);
        yield return FileDoctor.Folder("移行元 文書フォルダー / source document folder", settings.Folder);
        yield return FileDoctor.Csv(SourceCsv, settings.Metadata, settings.Encoding);
        if (settings.Graph is { } graph && settings.Drive is { } drive)
        {
            yield return GraphDoctor.Endpoint(TargetGraph, graph, job.Environment, DriveReads(drive, settings.Owners, request));
        }

        if (settings.Store is { } store)
        {
            yield return StoreDoctor.Endpoint(PlatformStore, store, job.Directory, settings.StorePassword, job.Environment);
        }
    }

    public static IEnumerable<DoctorEndpoint> MobileDevices(JobContext<MobileDevicesJobSettings> context, DoctorRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (job, settings) = (context.File, context.Settings);
        yield return FileDoctor.Csv($"{SourceCsv} (devices)", settings.Source.DeviceFile, settings.Source.Encoding);
        foreach (var file in settings.Source.PermissionFiles)
        {
            yield return FileDoctor.Csv($"{SourceCsv} (permissions)", file, settings.Source.Encoding);
        }

        yield return StoreDoctor.Endpoint(PlatformStore, settings.Store, job.Directory, settings.StorePassword, job.Environment);
        if (settings.Intune is { } intune)
        {
            yield return GraphDoctor.Endpoint("Intune (BETA, Microsoft Graph) / Intune (beta, Microsoft Graph)", intune, job.Environment,
                [new GraphRead(GraphAppRole.DeviceManagementServiceConfig, null, "企業デバイス ID の登録 / corporate device identifiers")]);
        }
    }

    public static IEnumerable<DoctorEndpoint> TeleworkGroups(JobContext<TeleworkGroupsJobSettings> context, DoctorRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var (job, settings) = (context.File, context.Settings);
        foreach (var file in settings.Files)
        {
            yield return FileDoctor.Csv(SourceCsv, file, settings.Encoding);
        }

        yield return GraphDoctor.Endpoint(TargetGraph, settings.Graph, job.Environment,
        [
            new GraphRead(GraphAppRole.GroupReadWriteAll, "/groups?$top=1&$select=id", "グループの一覧 / the group list"),
            new GraphRead(GraphAppRole.GroupMemberReadWriteAll, "/groups?$top=1&$select=id", "グループのメンバー / group members"),
            new GraphRead(GraphAppRole.UserReadAll, "/users?$top=1&$select=id", "ユーザーの一覧 / the user list"),
        ]);
    }

    private static IEnumerable<string> Targets(IdentityMap identities, DoctorRequest request) =>
        identities.SourceAccounts.Take(request.Accounts).Select(identities.TargetOf);

    private static List<GraphRead> DriveReads(DriveTarget drive, IdentityMap owners, DoctorRequest request)
    {
        if (drive.Kind == DriveKind.Owner)
        {
            return [.. Targets(owners, request).Select(upn => new GraphRead(GraphAppRole.FilesReadWriteAll, drive.DriveBase(upn), $"{upn} の OneDrive / OneDrive of {upn}"))];
        }

        if (drive.Kind == DriveKind.Drive)
        {
            return [new GraphRead(GraphAppRole.SitesReadWriteAll, drive.DriveBase(string.Empty), $"ドキュメント ライブラリ {drive.Id} / document library {drive.Id}")];
        }

        var id = drive.Id ?? string.Empty;
        if (DriveLocator.SitePath(id) is { } path)
        {
            // The run turns hostname:/path into the site's id first; that read proves the same permission.
            var address = "/sites/" + Uri.EscapeDataString(path.Hostname) + ":" + string.Join('/', path.Path.Split('/').Select(Uri.EscapeDataString));
            return [new GraphRead(GraphAppRole.SitesReadWriteAll, address, $"サイト {id} / site {id}")];
        }

        return
        [
            new GraphRead(GraphAppRole.SitesReadWriteAll, "/sites/" + Uri.EscapeDataString(id) + "/drives", $"{drive.Describe()} のライブラリ / libraries of {drive.Describe()}")
            {
                Check = answer => drive.Library is not { } library || !answer.TryGetProperty("value", out var drives)
                    || drives.EnumerateArray().Any(d => d.TryGetProperty("name", out var name) && string.Equals(name.GetString(), library, StringComparison.OrdinalIgnoreCase))
                    ? null
                    : $"ライブラリ {library} がサイトにありません / the site has no library {library}",
            },
        ];
    }
}
