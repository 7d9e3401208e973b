using System.Text.Json;

namespace Dxmig.Jobs.Doctor;

/// <summary>
/// One cheap read of Graph that proves a permission the job needs (<c>GET /users/{upn}/mailFolders?$top=1</c> for
/// <c>Mail.ReadWrite</c>), and what it reads, in plain words; no path: the permission has no cheap read (an upload-only
/// API) and only the token's roles can show it. <see cref="Check"/> may look into the answer (a library
/// named in the job is among the site's drives) and return the problem, or null when it is fine.
/// </summary>
public sealed record GraphRead(GraphAppRole Permission, string? Path, string What)
{
    public Func<JsonElement, string?>? Check { get; init; }
}
