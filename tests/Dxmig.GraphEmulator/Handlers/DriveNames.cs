using Dxmig.GraphEmulator.Http;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>
/// SharePoint Online's and OneDrive's rules for names and paths, as Microsoft's "Restrictions and limitations in
/// OneDrive and SharePoint" lists them: none of <c>" * : &lt; &gt; ? / \ |</c>; no leading or trailing space; not
/// .lock, CON, PRN, AUX, NUL, COM0–COM9, LPT0–LPT9 or desktop.ini; no name starting with ~$ and no _vti_ anywhere; a
/// folder may not start with ~; and the whole decoded path at most 400 characters. The error code and wording the
/// service answers with are not documented; the emulator answers 400 invalidRequest with the rule in the message.
/// </summary>
internal static class DriveNames
{
    public const int MaxPath = 400;

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        ".lock", "CON", "PRN", "AUX", "NUL", "desktop.ini",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    public static void Check(string name, bool folder, string parentPath)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new GraphErrorException(400, "invalidRequest", "The name is empty.");
        }

        var bad = name.IndexOfAny(['"', '*', ':', '<', '>', '?', '/', '\\', '|']);
        if (bad >= 0)
        {
            throw new GraphErrorException(400, "invalidRequest", $"The name '{name}' contains the character '{name[bad]}', which is not allowed.");
        }

        if (name[0] == ' ' || name[^1] == ' ')
        {
            throw new GraphErrorException(400, "invalidRequest", $"The name '{name}' starts or ends with a space.");
        }

        var dot = name.IndexOf('.', 1);
        var stem = dot < 0 ? name : name[..dot];
        if (Reserved.Contains(name) || Reserved.Contains(stem))
        {
            throw new GraphErrorException(400, "invalidRequest", $"The name '{name}' is reserved.");
        }

        if (name.StartsWith("~$", StringComparison.Ordinal) || (folder && name.StartsWith('~')) || name.Contains("_vti_", StringComparison.OrdinalIgnoreCase))
        {
            throw new GraphErrorException(400, "invalidRequest", $"The name '{name}' is not allowed (~$ at the start, ~ at the start of a folder, or _vti_).");
        }

        // Counted from the drive's root, separators included, no leading slash.
        var parent = parentPath.TrimStart('/');
        var length = parent.Length + (parent.Length > 0 ? 1 : 0) + name.Length;
        if (length > MaxPath)
        {
            throw new GraphErrorException(400, "invalidRequest", $"The path would be {length} characters; the limit is {MaxPath}.");
        }
    }
}
