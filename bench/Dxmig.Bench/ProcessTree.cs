using System.Globalization;

namespace Dxmig.Bench;

/// <summary>CPU of a server's process tree and the machine's load, read from /proc.</summary>
internal static class ProcessTree
{
    /// <summary>
    /// CPU seconds of the server whose master process's command line matches: the master, the children it has reaped
    /// and the children still running (Dovecot's imap processes, PostgreSQL's backends). NaN when no process matches.
    /// </summary>
    public static double CpuSeconds(Func<string, bool> isMaster)
    {
        var master = Directory.EnumerateDirectories("/proc")
            .Select(d => (Dir: d, Pid: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0))
            .Where(p => p.Pid > 0)
            .FirstOrDefault(p => Read(Path.Combine(p.Dir, "cmdline"))?.Replace('\0', ' ') is { } cmdline && isMaster(cmdline));
        if (master.Pid == 0)
        {
            return double.NaN;
        }

        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var stat = int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                ? Read(Path.Combine(dir, "stat"))
                : null;
            if (stat is null)
            {
                continue;
            }

            // Fields after the command name: state ppid … utime(14) stime(15) cutime(16) cstime(17), counted from 1.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (pid == master.Pid || fields[1] == master.Pid.ToString(CultureInfo.InvariantCulture))
            {
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture) +
                         long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            }
        }

        return ticks / 100.0; // USER_HZ
    }

    /// <summary>CPU seconds every core of the machine has been busy since boot (/proc/stat: all but idle and iowait).</summary>
    public static double MachineBusySeconds()
    {
        var fields = (Read("/proc/stat") ?? string.Empty).Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 8 || fields[0] != "cpu")
        {
            return double.NaN;
        }

        var ticks = fields.Skip(1).Take(7).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToList();
        return (ticks.Sum() - ticks[3] - ticks[4]) / 100.0; // user nice system idle iowait irq softirq, USER_HZ
    }

    /// <summary>The one-minute load average, or "?".</summary>
    public static string LoadAverage() => Read("/proc/loadavg")?.Split(' ')[0] ?? "?";

    /// <summary>A /proc file's text, or null when it is gone or unreadable.</summary>
    internal static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
