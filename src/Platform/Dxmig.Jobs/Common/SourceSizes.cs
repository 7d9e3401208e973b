using System.Globalization;
using Dxmig.Contracts;
using Dxmig.Extractors.Csv;
using Dxmig.Imap;
using Dxmig.Platform.Scheduling;

namespace Dxmig.Jobs.Common;

/// <summary>One account's size at the source, or why it could not be read.</summary>
public sealed record SourceSize(PlanAccount? Size, string Account, string? Method, string? Error);

/// <summary>The throughput a person gives for <c>dxmig plan</c> (per account), when the target has no published limits or they measured their own.</summary>
public sealed record GivenThroughput(double? MegabytesPerSecond, double? ItemsPerSecond)
{
    public bool Any => MegabytesPerSecond is not null || ItemsPerSecond is not null;

    public string Describe() => string.Join(", ", new[]
    {
        MegabytesPerSecond is { } mb ? string.Create(CultureInfo.InvariantCulture, $"{mb} MB/s") : null,
        ItemsPerSecond is { } items ? string.Create(CultureInfo.InvariantCulture, $"{items} 件/s items/s") : null,
    }.Where(s => s is not null));
}

/// <summary>
/// The ways a job kind sizes its source for <c>dxmig plan</c> (mailboxes through IMAP; exports by rows and bytes;
/// document folders by files and bytes), and the target rates they are set against.
/// </summary>
public static class SourceSizes
{
    /// <summary>Assumed IMAP-to-IMAP rate per account when none is given: MULTIAPPEND on a LAN.</summary>
    public const double AssumedImapMegabytesPerSecond = 5;

    public const double AssumedImapMessagesPerSecond = 50;

    /// <summary>Assumed rate into the platform store when none is given (bulk upserts).</summary>
    public const double AssumedStoreRowsPerSecond = 2000;

    private const double MiB = 1024 * 1024;

    /// <summary>
    /// Each mailbox's messages and bytes through IMAP, <paramref name="parallelism"/> mailboxes at once. When the first
    /// mailboxes (or several in a row) cannot reach the server for the same reason, the rest are not tried.
    /// </summary>
    /// <exception cref="Platform.Pipeline.EndpointOutageException">The source server cannot be reached (one plain line).</exception>
    public static async Task<IReadOnlyList<SourceSize>> MailboxesAsync(
        ImapEndpoint endpoint, IReadOnlyList<string> accounts, Func<string, bool> skipFolder, bool useStatusSize, int parallelism, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var results = new SourceSize[accounts.Count];
        using var circuit = new Platform.Pipeline.EndpointCircuit(accounts.Count);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, circuit.Opened);
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, accounts.Count),
                new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = stop.Token },
                async (i, ct) =>
                {
                    try
                    {
                        var size = await MailboxSizeReader.ReadAsync(endpoint, accounts[i], skipFolder, useStatusSize, ct);
                        results[i] = new SourceSize(new PlanAccount(size.Account, size.Messages, size.Bytes, size.Folders), accounts[i], size.Method, null);
                        circuit.Succeeded();
                    }
                    catch (AccountFailedException ex)
                    {
                        results[i] = new SourceSize(null, accounts[i], null, ex.Message);
                        circuit.Failed(accounts[i], EndpointSide.Source, ex);
                    }
                });
        }
        catch (OperationCanceledException) when (circuit.Outage is not null && !cancellationToken.IsCancellationRequested)
        {
        }

        if (circuit.Outage is { } outage)
        {
            throw new Platform.Pipeline.EndpointOutageException(outage);
        }

        return results;
    }

    /// <summary>One account made of CSV exports: data rows (records after each header; quoted newlines are one row) and bytes.</summary>
    public static async Task<SourceSize> CsvFilesAsync(string account, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paths);
        long rows = 0, bytes = 0;
        foreach (var path in paths)
        {
            try
            {
                rows += await CountRowsAsync(path, cancellationToken);
                bytes += new FileInfo(path).Length;
            }
            catch (IOException ex)
            {
                return new SourceSize(null, account, null, $"{path}: {ex.Message}");
            }
        }

        return new SourceSize(new PlanAccount(account, rows, bytes, paths.Count), account, "CSV", null);
    }

    /// <summary>One account made of a folder of documents: files and bytes (every level below it).</summary>
    public static SourceSize Folder(string account, string folder)
    {
        try
        {
            long files = 0, bytes = 0;
            var folders = 1;
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
            {
                if (entry is FileInfo file)
                {
                    files++;
                    bytes += file.Length;
                }
                else
                {
                    folders++;
                }
            }

            return new SourceSize(new PlanAccount(account, files, bytes, folders), account, "files", null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new SourceSize(null, account, null, $"{folder}: {ex.Message}");
        }
    }

    /// <summary>Exchange Online / Graph's published per-mailbox limits, lowered by a given throughput.</summary>
    public static TargetRate Graph(GivenThroughput given)
    {
        ArgumentNullException.ThrowIfNull(given);
        return given.Any
            ? TargetRate.Graph.Capped(given.MegabytesPerSecond * MiB, given.ItemsPerSecond, $"{TargetRate.Graph.Basis}; 指定値 / given: {given.Describe()}")
            : TargetRate.Graph;
    }

    /// <summary>An IMAP target: the given rate, or a stated assumption.</summary>
    public static TargetRate Imap(GivenThroughput given)
    {
        ArgumentNullException.ThrowIfNull(given);
        return new TargetRate(
            "imap", given.MegabytesPerSecond * MiB ?? (AssumedImapMegabytesPerSecond * MiB), given.ItemsPerSecond ?? AssumedImapMessagesPerSecond, 1,
            given.Any
                ? $"指定値 / given: {given.Describe()}"
                : string.Create(CultureInfo.InvariantCulture, $"IMAP 移行先: 想定値 (--throughput/--items-per-second で指定可) / IMAP target: assumed {AssumedImapMegabytesPerSecond} MB/s and {AssumedImapMessagesPerSecond} messages/s per mailbox (set --throughput and --items-per-second from a measured run)"));
    }

    /// <summary>The platform store (bulk upserts of rows): the given rate, or a stated assumption.</summary>
    public static TargetRate Store(string name, GivenThroughput given)
    {
        ArgumentNullException.ThrowIfNull(given);
        return new TargetRate(
            name, given.MegabytesPerSecond * MiB ?? double.PositiveInfinity, given.ItemsPerSecond ?? AssumedStoreRowsPerSecond, 1,
            given.Any
                ? $"指定値 / given: {given.Describe()}"
                : string.Create(CultureInfo.InvariantCulture, $"データ基盤: 想定値 / platform store: assumed {AssumedStoreRowsPerSecond} rows/s per account (set --items-per-second from a measured run)"));
    }

    private static async Task<long> CountRowsAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        var bom = new byte[3];
        if (await stream.ReadAsync(bom, cancellationToken) < 3 || bom[0] != 0xEF || bom[1] != 0xBB || bom[2] != 0xBF)
        {
            stream.Position = 0;
        }

        var reader = new ByteCsvReader(stream);
        long records = 0;
        while (await reader.ReadAsync(cancellationToken) is not null)
        {
            records++;
        }

        return Math.Max(0, records - 1);
    }
}
