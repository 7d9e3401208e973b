namespace Dxmig.Sandbox;

/// <summary>
/// Who this process runs as, and which unprivileged account mail processes use when it is root (Dovecot refuses
/// root for mail processes): <c>nobody</c> and its group.
/// </summary>
internal sealed record PosixIdentity(bool IsRoot, string UserName, string GroupName, string MailUid, string MailGid)
{
    public static async Task<PosixIdentity> CurrentAsync()
    {
        var uid = await Id("-u");
        if (uid == "0")
        {
            return new PosixIdentity(true, "root", "root", await Id("-u", "nobody"), await Id("-g", "nobody"));
        }

        return new PosixIdentity(false, await Id("-un"), await Id("-gn"), uid, await Id("-g"));
    }

    private static async Task<string> Id(params string[] args)
    {
        var (code, output) = await ProcessRunner.RunAsync("id", args, "/");
        if (code != 0)
        {
            throw new InvalidOperationException($"id {string.Join(' ', args)} failed ({code}): {output}");
        }

        return output.Trim();
    }
}
