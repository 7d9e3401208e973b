using Dxmig.Sandbox.Samples;
using Dxmig.GraphEmulator;
using Dxmig.Loaders.Graph;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using Dxmig.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dxmig.Loaders.Tests.Graph;

/// <summary>
/// The drive loader alone against the Graph emulator (<see cref="EmulatedGraph"/>): a run killed in the middle of an
/// upload session. Each loader opens its own session from the target's options, as each run does.
/// </summary>
public sealed class GraphDriveLoaderTests
{
    private static readonly string Owner = EmulatedGraph.Upn("d00001");

    private static DocumentRecord Record(string path, string fullPath, byte[] bytes) => new()
    {
        SourcePath = path,
        TargetPath = path,
        ContentHash = "h",
        SourceLocation = "documents.csv:2",
        OwnerUpn = Owner,
        OwnerEmployeeId = "D00001",
        CreatedUtc = new DateTime(2021, 4, 1, 0, 0, 0, DateTimeKind.Utc),
        ModifiedUtc = new DateTime(2024, 3, 31, 9, 0, 0, DateTimeKind.Utc),
        Original = new DocumentEntry
        {
            RelativePath = path, FullPath = fullPath, Size = bytes.Length, QuickXorHash = QuickXorHash.Of(bytes), Sha256 = ContentHash.Of(bytes),
        },
    };

    [Fact]
    public async Task Load_KilledMidUpload_NextRunResumesTheSession_WithoutADuplicateOrAResend()
    {
        await using var graph = await EmulatedGraph.StartAsync(["d00001"]);
        var emu = graph.Emulator;
        var options = graph.Session.Options;
        using var temp = new TempFolder();
        var bytes = new byte[(7 * 320 * 1024) + 4321];
        new Random(11).NextBytes(bytes);
        var file = temp.File("記録映像.bin");
        await File.WriteAllBytesAsync(file, bytes);
        var doc = Record("大容量/記録映像.bin", file, bytes);
        var target = new DriveTarget { Kind = DriveKind.Owner, Folder = "CESS文書", FragmentBytes = 2 * DriveTarget.FragmentUnit, SmallFileLimit = 1024 * 1024, ResumeFile = temp.File("state/upload-sessions.json") };
        var request = new LoadRequest<DocumentRecord>(new SourceKey("cess-documents", "cess", "documents", doc.SourcePath, "v1"), "h", 0, doc, InDoubt: false);

        using var kill = new CancellationTokenSource();
        await using (var first = new GraphDriveLoader(options, target, NullLogger<GraphDriveLoader>.Instance)
        {
            OnFragment = (_, offset) =>
            {
                if (offset >= 2 * 2 * DriveTarget.FragmentUnit)
                {
                    kill.Cancel();
                }
            },
        })
        {
            var killed = () => first.LoadAsync("cess", [request], kill.Token);
            await killed.Should().ThrowAsync<OperationCanceledException>();
        }

        emu.Store.Drives.OpenUploadSessions.Should().Be(1, "the killed run left its session open");
        File.Exists(target.ResumeFile).Should().BeTrue();
        var fragmentsBefore = emu.Stats.TotalRequests(DriveOperations.UploadFragment);

        await using var second = new GraphDriveLoader(options, target, NullLogger<GraphDriveLoader>.Instance);
        var outcome = (await second.LoadAsync("cess", [request with { InDoubt = true }], CancellationToken.None)).Should().ContainSingle().Subject;

        outcome.Problem.Should().BeNull();
        emu.Stats.TotalRequests(DriveOperations.CreateUploadSession).Should().Be(1, "the second run resumed the first session");
        (emu.Stats.TotalRequests(DriveOperations.UploadFragment) - fragmentsBefore).Should().Be(2, "only the two fragments the session still missed were sent");
        var drive = emu.Store.Drives.UserDriveId(emu.Store.FindUser(Owner)!, DateTimeOffset.UtcNow);
        var files = emu.Store.Drives.Items(drive).Where(i => !i.IsFolder).ToList();
        files.Should().ContainSingle().Which.Path.Should().Be("/CESS文書/大容量/記録映像.bin");
        files[0].Bytes.Should().Equal(bytes);
        files[0].FileSystemModified.Should().Be(new DateTimeOffset(2024, 3, 31, 9, 0, 0, TimeSpan.Zero));
        outcome.TargetKey.Should().EndWith("/items/" + files[0].Id);
        emu.Store.Drives.OpenUploadSessions.Should().Be(0);

        // A third run with the same file finds it on the target (same quickXorHash and size) and sends nothing.
        await using var third = new GraphDriveLoader(options, target, NullLogger<GraphDriveLoader>.Instance);
        (await third.LoadAsync("cess", [request with { InDoubt = true }], CancellationToken.None))[0].Problem.Should().BeNull();
        third.Sent.Should().Be(0);
        third.Unchanged.Should().Be(1);
        emu.Stats.TotalRequests(DriveOperations.CreateUploadSession).Should().Be(1);
    }
}
