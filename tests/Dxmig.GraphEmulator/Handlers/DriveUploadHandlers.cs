using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dxmig.GraphEmulator.Http;
using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>
/// driveItem upload sessions: <c>POST …/items/{parent-id}:/{name}:/createUploadSession</c> with an optional
/// <c>item</c> (conflictBehavior, fileSystemInfo, name) answers 200 with the uploadUrl; the fragments then go to the
/// uploadUrl (its own token, no Authorization header) with Content-Range, in order. As documented: every fragment but
/// the last a multiple of 320 KiB (327,680 bytes), none over 60 MiB; 202 Accepted with nextExpectedRanges after each
/// fragment but the last, then 201 Created (a new file) or 200 OK (a file replaced) with the driveItem; GET on the
/// uploadUrl gives the session's status (to resume), DELETE cancels it. A fragment that does not start at the next
/// expected byte is 416 invalidRange. Each fragment moves expirationDateTime on.
/// </summary>
internal static class DriveUploadHandlers
{
    /// <summary>"must be a multiple of 320 KiB (327,680 bytes)".</summary>
    public const int FragmentUnit = 320 * 1024;

    /// <summary>"The maximum bytes in any given request is less than 60 MiB."</summary>
    public const int MaxFragmentBytes = 60 * 1024 * 1024;

    private const string SessionPath = "drives/{drive}/uploadSessions/{session}";

    private static readonly HashSet<string> ItemKeys = new(StringComparer.Ordinal)
    {
        "@microsoft.graph.conflictBehavior", "fileSystemInfo", "name", "description", "@odata.type",
    };

    public static IEnumerable<Route> Routes() =>
    [
        new Route("PUT", SessionPath, DriveOperations.UploadFragment, Put, outlook: false) { UploadUrl = true },
        new Route("GET", SessionPath, DriveOperations.UploadStatus, Status, outlook: false) { UploadUrl = true },
        new Route("DELETE", SessionPath, DriveOperations.CancelUpload, Cancel, outlook: false) { UploadUrl = true },
    ];

    public static GraphResponse Create(RouteContext c)
    {
        var item = new JsonObject();
        if (c.Request.Body.Length > 0)
        {
            var body = GraphJson.ReadObject(c.Request);
            GraphJson.RejectUnknown(body, new HashSet<string>(StringComparer.Ordinal) { "item", "deferCommit" }, "microsoft.graph.createUploadSession");
            if (GraphJson.OptionalBool(body, "deferCommit", "microsoft.graph.createUploadSession") == true)
            {
                throw new GraphErrorException(400, "invalidRequest", "deferCommit is not served by the Graph emulator.");
            }

            item = body["item"] as JsonObject ?? item;
            GraphJson.RejectUnknown(item, ItemKeys, "microsoft.graph.driveItemUploadableProperties");
        }

        var behavior = DriveHandlers.ConflictBehavior(GraphJson.OptionalString(item, "@microsoft.graph.conflictBehavior", "microsoft.graph.driveItemUploadableProperties"), "replace");
        var (fsCreated, fsModified) = DriveHandlers.FileSystemInfo(item);
        var drive = DriveHandlers.Drive(c);
        DriveUploadSessionEntity session;
        lock (drive.Gate)
        {
            var (parent, name) = DriveHandlers.ByPath(c, drive);
            if (GraphJson.OptionalString(item, "name", "microsoft.graph.driveItemUploadableProperties") is { } given && !string.Equals(given, name, StringComparison.Ordinal))
            {
                throw new GraphErrorException(400, "invalidRequest", $"item.name '{given}' differs from the name in the path '{name}'.");
            }

            DriveNames.Check(name, folder: false, drive.PathOf(parent));
            if (behavior == "fail" && drive.Child(parent.Id, name) is not null)
            {
                throw DriveHandlers.NameExists(name);
            }

            session = new DriveUploadSessionEntity
            {
                Id = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
                Token = TokenService.Base64Url(RandomNumberGenerator.GetBytes(32)),
                Drive = drive,
                ParentId = parent.Id,
                Name = name,
                ConflictBehavior = behavior,
                FileSystemCreated = fsCreated,
                FileSystemModified = fsModified,
                Expires = c.Now + c.Emulator.UploadSessionLifetime,
            };
        }

        c.Emulator.Store.Drives.AddUpload(session);
        return GraphResponse.Ok(UploadUrls.Session(
            c, $"{c.Emulator.Origin}/upload/drives/{Uri.EscapeDataString(drive.Id)}/uploadSessions/{session.Id}?authtoken={session.Token}", session.Expires));
    }

    private static GraphResponse Put(RouteContext c)
    {
        var session = Authorize(c);
        var (start, end, total) = UploadUrls.Range(c, "invalidRequest");
        var body = c.Request.Body;
        lock (session.Gate)
        {
            if (session.Size is { } size && size != total)
            {
                throw new GraphErrorException(400, "invalidRequest", $"Content-Range total {total} differs from the {size} bytes given before.");
            }

            if (start != session.Received)
            {
                throw new GraphErrorException(416, "invalidRange", $"The fragment starts at {start}; the session expects byte {session.Received} next.");
            }

            if (end < start || end >= total || end - start + 1 != body.Length)
            {
                throw new GraphErrorException(400, "invalidRequest", $"Content-Range {start}-{end}/{total} does not match the {body.Length} bytes sent.");
            }

            if (body.Length > MaxFragmentBytes)
            {
                throw new GraphErrorException(400, "invalidRequest", $"A fragment may hold at most {MaxFragmentBytes} bytes (60 MiB); this one has {body.Length}.");
            }

            if (end + 1 < total && body.Length % FragmentUnit != 0)
            {
                throw new GraphErrorException(400, "invalidRequest",
                    $"Every fragment but the last must be a multiple of 320 KiB (327,680 bytes); this one has {body.Length}.");
            }

            session.Size = total;
            session.Buffer.Write(body);
            session.Expires = c.Now + c.Emulator.UploadSessionLifetime;
            if (session.Received < total)
            {
                return new GraphResponse(202) { Json = StatusJson(session) };
            }
        }

        c.Emulator.Store.Drives.RemoveUpload(session.Id);
        var drive = session.Drive;
        lock (drive.Gate)
        {
            if (!drive.Items.TryGetValue(session.ParentId, out var parent))
            {
                throw DriveHandlers.NotFound();
            }

            var (item, created) = DriveHandlers.PlaceFile(
                c, drive, parent, session.Name, session.Buffer.ToArray(), session.ConflictBehavior, session.FileSystemCreated, session.FileSystemModified);
            return new GraphResponse(created ? 201 : 200) { Json = DriveHandlers.Render(c, drive, item) };
        }
    }

    private static GraphResponse Status(RouteContext c)
    {
        var session = Authorize(c);
        lock (session.Gate)
        {
            return GraphResponse.Ok(StatusJson(session));
        }
    }

    private static GraphResponse Cancel(RouteContext c)
    {
        var session = Authorize(c);
        c.Emulator.Store.Drives.RemoveUpload(session.Id);
        return GraphResponse.NoContent();
    }

    private static JsonObject StatusJson(DriveUploadSessionEntity s) => new()
    {
        ["expirationDateTime"] = GraphJson.Iso(s.Expires),
        ["nextExpectedRanges"] = new JsonArray($"{s.Received.ToString(CultureInfo.InvariantCulture)}-{(s.Size is { } size ? (size - 1).ToString(CultureInfo.InvariantCulture) : "")}"),
    };

    private static DriveUploadSessionEntity Authorize(RouteContext c)
    {
        var session = c.Emulator.Store.Drives.FindUpload(c.Value("session"));
        if (session is null || !string.Equals(session.Drive.Id, c.Value("drive"), StringComparison.OrdinalIgnoreCase))
        {
            throw new GraphErrorException(404, "itemNotFound", "The upload session does not exist (completed, cancelled or expired).");
        }

        if (!UploadUrls.TokenMatches(c, session.Token))
        {
            throw new GraphErrorException(401, "unauthenticated", "The uploadUrl's token is not valid.");
        }

        if (session.Expires <= c.Now)
        {
            c.Emulator.Store.Drives.RemoveUpload(session.Id);
            throw new GraphErrorException(404, "itemNotFound", "The upload session has expired.");
        }

        return session;
    }
}
