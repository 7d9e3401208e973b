using Dxmig.GraphEmulator;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox.Samples;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests.Cess.Documents;

/// <summary>
/// <c>kind: cess-documents</c> into a SharePoint document library on the Graph emulator (the real Graph SDK and
/// dxmig's Graph engine): by drive id, by site id (its default library), and by <c>hostname:/path</c> with a named
/// library. Each run carries a large file (upload session) and names the rename rules change; the second run a
/// changed and a removed file; the reconciliation reads the library back.
/// </summary>
public sealed class DocumentSharePointRunTests
{
    private const string Host = "pref.sharepoint.com";
    private const string SitePath = "/sites/somu";
    private const string Named = "共有ドキュメント";

    private static int Requests(DocumentHarness h, string operation) => h.Graph.Stats.TotalRequests(operation);

    private static int Uploads(DocumentHarness h) => Requests(h, DriveOperations.PutContent) + Requests(h, DriveOperations.CreateUploadSession);

    private static async Task<(DocumentHarness Harness, StoredSite Site)> StartAsync()
    {
        var h = await DocumentHarness.StartAsync();
        var site = h.Graph.Store.Drives.AddSite(Host, SitePath, "総務課", ["ドキュメント", Named], DateTimeOffset.UtcNow);
        return (h, site);
    }

    /// <summary>Every file of a library, by path below its root.</summary>
    private static Dictionary<string, StoredDriveItem> Library(DocumentHarness h, string driveId) =>
        h.Graph.Store.Drives.Items(driveId).Where(i => !i.IsFolder).ToDictionary(i => i.Path, StringComparer.Ordinal);

    [Fact]
    public async Task Run_IntoALibraryByDriveId_LoadsRenamesUpdatesRemoves_AndReconcilesClean()
    {
        var (h, site) = await StartAsync();
        await using var running = h;
        await RunTwiceAndReconcileAsync(h, site, $"drive: drive\n  drive-id: {site.DriveIds[Named]}", site.DriveIds[Named]);
    }

    [Fact]
    public async Task Run_IntoASiteById_GoesToItsDefaultLibrary_AndReconcilesClean()
    {
        var (h, site) = await StartAsync();
        await using var running = h;
        await RunTwiceAndReconcileAsync(h, site, $"drive: site\n  site: {site.Id}", site.DefaultDriveId);
    }

    [Fact]
    public async Task Run_IntoASiteByHostnamePath_WithANamedLibrary_FindsTheSiteOncePerRun_AndReconcilesClean()
    {
        var (h, site) = await StartAsync();
        await using var running = h;
        await RunTwiceAndReconcileAsync(h, site, $"drive: site\n  site: {Host}:{SitePath}\n  library: {Named}", site.DriveIds[Named]);
        Requests(h, DriveOperations.GetSite).Should().Be(6, "the site is looked up once per run and once per reconciliation: two runs, the reconciliation after each, two on demand");
    }

    [Fact]
    public async Task Run_ToASitePathThatIsNotThere_FailsTheJobWithAPlainMessage_AndWritesNothing()
    {
        var (h, site) = await StartAsync();
        await using var running = h;
        h.Generate(new DocumentSampleOptions(4, LargeFiles: 0, WithOddNames: false));
        var job = h.JobFile(drive: $"drive: site\n  site: {Host}:/sites/jinji");

        var run = await h.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Failed, run.Explain);
        run.Account(DocumentJobKindAccount).Message.Should().Be(
            $"SharePoint サイト {Host}:/sites/jinji が見つかりません (ホスト名とパスを確かめてください) / the SharePoint site {Host}:/sites/jinji was not found (check the host name and the path)");
        run.Lines.Should().NotContain("Exception", "the user sees the plain message, not a stack trace");
        Library(h, site.DefaultDriveId).Should().BeEmpty();
        Library(h, site.DriveIds[Named]).Should().BeEmpty();
        h.DriveFiles().Should().BeEmpty("nothing went to the owners' OneDrives either");
        (await h.Workspace.LedgerItemsAsync()).Should().NotContain(i => i.State == Dxmig.Platform.Ledger.ItemState.Loaded);
    }

    [Fact]
    public async Task Run_ToALibraryTheSiteDoesNotHave_NamesTheLibrariesItHas()
    {
        var (h, _) = await StartAsync();
        await using var running = h;
        h.Generate(new DocumentSampleOptions(2, LargeFiles: 0, WithOddNames: false));
        var job = h.JobFile(drive: $"drive: site\n  site: https://{Host}{SitePath}\n  library: 議事録");

        var run = await h.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Failed, run.Explain);
        run.Account(DocumentJobKindAccount).Message.Should().Contain("ライブラリ「議事録」がありません").And.Contain("ドキュメント, 共有ドキュメント")
            .And.Contain("has no library named '議事録'");
    }

    [Fact]
    public async Task Load_DriveKeysThatDoNotBelong_AndASiteThatIsNoSite_AreReportedWithTheirLines()
    {
        var (h, _) = await StartAsync();
        await using var running = h;
        h.Generate(new DocumentSampleOptions(2, LargeFiles: 0, WithOddNames: false));

        string Diagnose(string drive)
        {
            var diagnostics = new Dxmig.Contracts.DiagnosticBag();
            JobLoader.Load(h.JobFile(drive: drive), diagnostics, h.Workspace.Variable).Should().BeNull(drive);
            return diagnostics.Render();
        }

        var ownerWithLibrary = Diagnose($"drive: owner\n  library: {Named}");
        var siteWithDriveId = Diagnose("drive: site\n  site: pref.sharepoint.com:/sites/somu\n  drive-id: b!x");
        var notASite = Diagnose("drive: site\n  site: somu");
        var both = Diagnose("drive: site\n  site: pref.sharepoint.com:/sites/somu\n  site-id: pref.sharepoint.com:/sites/somu");
        var missing = Diagnose("drive: drive");
        var typo = Diagnose("drive: site\n  site: pref.sharepoint.com:/sites/somu\n  libary: x");

        ownerWithLibrary.Should().Contain("documents.yaml:").And.Contain("'target.library' は drive: site のときだけ使えます");
        siteWithDriveId.Should().Contain("'target.drive-id' goes only with drive: drive");
        notASite.Should().Contain("'target.site' value 'somu' does not name a site");
        both.Should().Contain("write only one of them");
        missing.Should().Contain("'target.drive-id' is missing");
        typo.Should().Contain("libary").And.Contain("did you mean 'library'?");
    }

    [Fact]
    public async Task Example_SharePointJob_ReadsItsSiteLibraryAndFolderWithoutAComplaint()
    {
        var (h, _) = await StartAsync();
        await using var running = h;
        var example = Path.Combine(Dxmig.TestSupport.RepoPaths.Root, "jobs", "examples", "cess-documents-to-sharepoint.yaml");
        h.Workspace.Environment["DXMIG_GRAPH_TENANT"] = "t";
        h.Workspace.Environment["DXMIG_GRAPH_CLIENT_ID"] = "c";
        h.Workspace.Environment["DXMIG_CESS_EXPORT_DIR"] = "/srv/cess/export";

        var diagnostics = new Dxmig.Contracts.DiagnosticBag();
        JobLoader.Load(example, diagnostics, h.Workspace.Variable);
        var text = diagnostics.Render();

        // The example's export folders and certificate are this machine's to make; its target must read as written.
        text.Should().Contain("/srv/cess/export/documents", "the check did read the example");
        foreach (var key in new[] { "'target.site'", "'target.library'", "'target.drive'", "'target.drive-id'", "'target.folder'", "unknown key" })
        {
            text.Should().NotContain(key);
        }

        File.ReadAllText(example).Should().Contain("drive: site").And.Contain("site: pref.sharepoint.com:/sites/somu").And.Contain("library: 共有ドキュメント");
    }

    private const string DocumentJobKindAccount = Dxmig.Jobs.Cess.Documents.DocumentJobKind.DefaultAccount;

    private static async Task RunTwiceAndReconcileAsync(DocumentHarness h, StoredSite site, string drive, string libraryId)
    {
        var options = new DocumentSampleOptions(12, LargeFiles: 1);
        var expected = h.Generate(options);
        var job = h.JobFile(drive: drive);

        var first = await h.RunAsync(job);

        first.ExitCode.Should().Be(ExitCodes.Success, first.Explain);
        var files = Library(h, libraryId);
        files.Should().HaveCount(expected, first.Explain);
        foreach (var other in site.DriveIds.Values.Where(id => id != libraryId))
        {
            Library(h, other).Should().BeEmpty("only the chosen library receives the export");
        }

        h.DriveFiles().Should().BeEmpty("no owner's OneDrive is written");
        var large = files["/CESS文書/" + DocumentSamples.LargePath(0)];
        large.Bytes.Should().Equal(await File.ReadAllBytesAsync(Path.Combine(h.Folder, DocumentSamples.LargePath(0))));
        Requests(h, DriveOperations.CreateUploadSession).Should().Be(1, "the large file goes through an upload session");
        Requests(h, DriveOperations.UploadFragment).Should().Be(2);
        h.Graph.Store.Drives.OpenUploadSessions.Should().Be(0);
        files.Should().ContainKey("/CESS文書/総務課/議事録 a：b.txt", "a name SharePoint refuses is renamed as on OneDrive");
        files.Should().ContainKey("/CESS文書/総務課/CON_.txt");
        files.Keys.Should().NotContain(k => k.Contains("a:b", StringComparison.Ordinal));
        var rows = await h.DocumentsAsync();
        rows.Should().HaveCount(expected);
        rows.Should().OnlyContain(r => r.DriveItemId != null && files.Values.Any(f => f.Id == r.DriveItemId), "the store records each library item");
        first.Reconciliation?.ExitCode.Should().NotBe(ExitCodes.Failed);

        var uploads = Uploads(h);
        var changed = files["/CESS文書/" + DocumentSamples.RegularPath(3)];
        h.Generate(options with { Changed = new HashSet<int> { 3 }, Removed = new HashSet<int> { 5 } });
        var second = await h.RunAsync(job);

        second.ExitCode.Should().Be(ExitCodes.Success, second.Explain);
        Uploads(h).Should().Be(uploads + 1, "only the changed file is sent again");
        Requests(h, DriveOperations.DeleteItem).Should().Be(1, "the removed file is deleted, within the job's threshold");
        second.Run.Removed.Should().Be(1);
        var after = Library(h, libraryId);
        after.Should().HaveCount(expected - 1);
        after.Should().NotContainKey("/CESS文書/" + DocumentSamples.RegularPath(5));
        after["/CESS文書/" + DocumentSamples.RegularPath(3)].Version.Should().BeGreaterThan(changed.Version);
        after["/CESS文書/" + DocumentSamples.RegularPath(3)].Bytes.Should().Equal(await File.ReadAllBytesAsync(Path.Combine(h.Folder, DocumentSamples.RegularPath(3))));

        var reconcile = await h.ReconcileAsync(job);
        reconcile.ExitCode.Should().Be(0, reconcile.Explain);

        // The reconciliation reads the library itself: a file the library holds with other bytes is a difference.
        var touched = Path.Combine(h.Folder, DocumentSamples.RegularPath(7));
        await File.WriteAllBytesAsync(touched, [.. await File.ReadAllBytesAsync(touched), 0x21]);
        var differs = await h.ReconcileAsync(job);
        differs.ExitCode.Should().NotBe(0, "the library's copy of 資料_0007 no longer matches: " + differs.Explain);
    }
}
