using Dxmig.Jobs.Tests.Harness;
using Dxmig.TestSupport.Jobs;
using System.Security.Cryptography;
using Dxmig.Sandbox.Samples;
using Dxmig.GraphEmulator;
using Dxmig.Platform.Pipeline;
using Dxmig.Contracts.Text;

namespace Dxmig.Jobs.Tests.Cess.Documents;

/// <summary><c>kind: cess-documents</c>: a generated CESS export into the owners' OneDrives on the Graph emulator, with the platform store beside.</summary>
public sealed class DocumentRunTests
{
    private static int Requests(DocumentHarness h, string operation) => h.Graph.Stats.TotalRequests(operation);

    private static int Uploads(DocumentHarness h) => Requests(h, DriveOperations.PutContent) + Requests(h, DriveOperations.CreateUploadSession);

    [Fact]
    public async Task Run_GeneratedExport_LoadsEveryFileOnceRenamedWithTimes_AndQuarantinesThePlantedCases()
    {
        await using var h = await DocumentHarness.StartAsync();
        var options = new DocumentSampleOptions(20, LargeFiles: 2, Planted: true);
        var expected = h.Generate(options);
        var job = h.JobFile();

        var run = await h.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        var files = h.DriveFiles();
        files.Should().HaveCount(expected, "every loadable document once, nothing else: " + run.Explain);
        var rows = (await h.DocumentsAsync()).ToDictionary(r => r.SourcePath, StringComparer.Ordinal);
        rows.Should().HaveCount(expected);
        foreach (var path in DocumentSamples.LoadablePaths(options))
        {
            var row = rows[path];
            var bytes = await File.ReadAllBytesAsync(Path.Combine(h.Folder, path));
            var file = files[$"{row.OwnerUpn}/CESS文書/{row.TargetPath}"];
            file.Bytes.Should().Equal(bytes, path);
            file.QuickXorHash.Should().Be(QuickXorHash.Of(bytes), "dxmig's quickXorHash is the service's");
            file.FileSystemModified.UtcDateTime.Should().Be(row.DocumentModifiedUtc, path);
            file.FileSystemCreated.UtcDateTime.Should().Be(row.DocumentCreatedUtc, path);
            row.Sha256.Should().Be(Convert.ToHexStringLower(SHA256.HashData(bytes)));
            row.DriveItemId.Should().Be(file.Id);
            ("CESS文書/" + row.TargetPath).Length.Should().BeLessThanOrEqualTo(400);
        }

        rows["総務課/議事録 a:b.txt"].TargetPath.Should().Be("総務課/議事録 a：b.txt");
        rows["総務課/議事録 a:b.txt"].RenamedFrom.Should().Contain("invalid-character");
        rows["総務課/ 前後に空白 .txt"].TargetPath.Should().Be("総務課/前後に空白 .txt");
        rows["総務課/CON.txt"].TargetPath.Should().Be("総務課/CON_.txt");
        rows["総務課/~$下書き.docx"].TargetPath.Should().Be("総務課/～$下書き.docx");
        rows[DocumentSamples.DeepPath].RenamedFrom.Should().Contain("path-too-long");
        rows[DocumentSamples.DeepPath].Size.Should().BeGreaterThan(0);

        // Document 0 was created 令和2年1月1日 9:00 and modified 2024/01/01 18:30, Japan time (UTC+9).
        var first = rows[DocumentSamples.RegularPath(0)];
        first.DocumentCreatedUtc.Should().Be(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        first.DocumentModifiedUtc.Should().Be(new DateTime(2024, 1, 1, 9, 30, 0, DateTimeKind.Utc));

        // Large files went through upload sessions in 320 KiB multiples (the emulator refuses anything else).
        Requests(h, DriveOperations.CreateUploadSession).Should().Be(2);
        Requests(h, DriveOperations.UploadFragment).Should().Be(4, "4 MiB + 123,457 bytes in 3.2 MiB fragments is two fragments per file");
        h.Graph.Store.Drives.OpenUploadSessions.Should().Be(0);

        var renames = Directory.GetFiles(h.Logs, "renames-*.csv").Should().ContainSingle().Subject;
        File.ReadAllText(renames).Should().Contain("総務課/議事録 a：b.txt").And.Contain("path-too-long");

        var codes = (await h.Workspace.LedgerItemsAsync()).Select(i => i.Code).ToList();
        foreach (var reason in new[] { "bad-bytes", "missing-key", "bad-date", "unknown-owner", "unreadable-file", "no-metadata", "missing-file", "name-collision" })
        {
            codes.Should().Contain(reason, "every planted case is in the ledger with its reason");
        }
    }

    [Fact]
    public async Task Run_Second_UploadsOnlyTheChangedFiles_AndAReconcileFindsNothingMissing()
    {
        await using var h = await DocumentHarness.StartAsync();
        h.Generate(new DocumentSampleOptions(12));
        var job = h.JobFile();
        (await h.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Success);
        var uploadsFirst = Uploads(h);
        var before = h.DriveFiles();

        var unchangedRun = await h.RunAsync(job);
        Uploads(h).Should().Be(uploadsFirst, "nothing changed: nothing is sent");
        unchangedRun.ExitCode.Should().Be(ExitCodes.Success);

        h.Generate(new DocumentSampleOptions(12) { Changed = new HashSet<int> { 3, 7 } });
        var changedRun = await h.RunAsync(job);

        changedRun.ExitCode.Should().Be(ExitCodes.Success, changedRun.Explain);
        Uploads(h).Should().Be(uploadsFirst + 2);
        var after = h.DriveFiles();
        after.Keys.Should().BeEquivalentTo(before.Keys);
        after.Where(kv => kv.Value.Version != before[kv.Key].Version).Select(kv => kv.Key)
            .Should().HaveCount(2).And.OnlyContain(k => k.EndsWith("資料_0003.txt", StringComparison.Ordinal) || k.EndsWith("資料_0007.txt", StringComparison.Ordinal));

        var reconcile = await h.ReconcileAsync(job);
        reconcile.ExitCode.Should().Be(0, reconcile.Explain);
    }

    [Fact]
    public async Task Run_MassDeletion_StopsBeforeAnyDelete_UntilConfirmed()
    {
        await using var h = await DocumentHarness.StartAsync();
        h.Generate(new DocumentSampleOptions(20, LargeFiles: 0, WithOddNames: false));
        var job = h.JobFile();
        (await h.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Success);

        h.Generate(new DocumentSampleOptions(20, LargeFiles: 0, WithOddNames: false) { Removed = Enumerable.Range(0, 15).ToHashSet() });
        var held = await h.RunAsync(job);

        held.ExitCode.Should().Be(ExitCodes.Quarantined, held.Explain);
        held.Run.Message.Should().Contain("要確認").And.Contain("--confirm-deletes");
        h.DriveFiles().Should().HaveCount(20);
        Requests(h, DriveOperations.DeleteItem).Should().Be(0);
        var pending = Directory.GetFiles(h.Logs, "pending-deletions-*.csv").Should().ContainSingle().Subject;
        File.ReadAllLines(pending).Should().HaveCount(16).And.Contain(l => l.StartsWith(DocumentSamples.RegularPath(0) + ",", StringComparison.Ordinal));
        var runId = Path.GetFileNameWithoutExtension(pending)["pending-deletions-".Length..];

        var confirmed = await h.RunAsync(job, confirmDeletes: runId);

        confirmed.ExitCode.Should().Be(ExitCodes.Success, confirmed.Explain);
        h.DriveFiles().Should().HaveCount(5);
        (await h.DocumentsAsync()).Should().HaveCount(5);
    }

    [Fact]
    public async Task Load_TargetFolderSharePointRefuses_AndAMissingDriveId_AreReportedWithTheirLines()
    {
        await using var h = await DocumentHarness.StartAsync();
        h.Generate(new DocumentSampleOptions(2, LargeFiles: 0, WithOddNames: false));
        var job = h.JobFile(targetFolder: "CON", extraTarget: "  drive-id-typo: x");

        var diagnostics = new Dxmig.Contracts.DiagnosticBag();
        var bound = JobLoader.Load(job, diagnostics, h.Workspace.Variable);

        bound.Should().BeNull("the job cannot be run");
        diagnostics.Render().Should().Contain("documents.yaml:").And.Contain("'target.folder'").And.Contain("drive-id-typo");
        h.DriveFiles().Should().BeEmpty();
    }
}

/// <summary>The same job with the platform store on the private PostgreSQL (binary COPY into documents_staging).</summary>
public sealed class DocumentPostgresRunTests(Dxmig.TestSupport.PostgresFixture postgres) : IClassFixture<Dxmig.TestSupport.PostgresFixture>
{
    [Fact]
    public async Task Run_OnPostgres_RecordsEveryDocumentWithItsDriveItem_AndARerunWritesNothing()
    {
        await using var h = await DocumentHarness.StartAsync(await postgres.Server.CreateDatabaseAsync());
        var expected = h.Generate(new DocumentSampleOptions(10, LargeFiles: 0));
        var job = h.JobFile();

        var run = await h.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        var rows = await h.DocumentsAsync();
        rows.Should().HaveCount(expected);
        var files = h.DriveFiles().Values.ToDictionary(f => f.Id);
        rows.Should().OnlyContain(r => r.DriveItemId != null && files.ContainsKey(r.DriveItemId));
        rows.Single(r => r.SourcePath == "総務課/CON.txt").RenamedFrom.Should().Be("CON.txt → CON_.txt (reserved-name)");

        var again = await h.RunAsync(job);
        again.ExitCode.Should().Be(ExitCodes.Success);
        (await h.DocumentsAsync()).Select(r => r.UpdatedUtc).Should().Equal(rows.Select(r => r.UpdatedUtc), "unchanged rows are left alone");
    }
}
