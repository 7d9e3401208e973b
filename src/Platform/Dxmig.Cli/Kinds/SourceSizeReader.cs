using System.Globalization;
using Dxmig.Extractors.Csv;
using Dxmig.Contracts;
using Dxmig.Imap;
using Dxmig.Platform.Jobs;
using Dxmig.Platform.Scheduling;

namespace Dxmig.Cli.Kinds;

/// <summary>One account's size at the source, or why it could not be read.</summary>
internal sealed record SourceSize(PlanAccount? Size, string Account, string? Method, string? Error);

/// <summary>The throughput a person gives for <c>dxmig plan</c> (per account), when the target has no published limits or they measured their own.</summary>
internal sealed record GivenThroughput(double? MegabytesPerSecond, double? ItemsPerSecond)
{
    public bool Any => MegabytesPerSecond is not null || ItemsPerSecond is not null;

    public string Describe() => string.Join(", ", new[]
    {
        MegabytesPerSecond is { } mb ? string.Create(CultureInfo.InvariantCulture, $"{mb} MB/s") : null,
        ItemsPerSecond is { } items ? string.Create(CultureInfo.InvariantCulture, $"{items} 件/s items/s") : null,
    }.Where(s => s is not null));
}

/// <summary>
/// Reads what a job's source holds, per account, for <c>dxmig plan</c>: a mail job's mailboxes through IMAP (message
/// count and bytes), an address-book job's export files (rows and bytes); and the target's per-account rate.
/// </summary>
internal static class SourceSizeReader
{
    /// <summary>Assumed IMAP-to-IMAP rate per account when none is given: MULTIAPPEND on a LAN.</summary>
    public const double AssumedImapMegabytesPerSecond = 5;

    public const double AssumedImapMessagesPerSecond = 50;

    /// <summary>Assumed rate into the platform store when none is given (bulk upserts).</summary>
    public const double AssumedStoreRowsPerSecond = 2000;

    private const double MiB = 1024 * 1024;

    /// <summary>Every account of the job with its size, read <c>parallelism</c> accounts at once.</summary>
    /// <exception cref="ConfigurationException">The job's kind has no source sizes to read.</exception>
    public static async Task<IReadOnlyList<SourceSize>> ReadAsync(JobFile job, bool useStatusSize, CancellationToken cancellationToken)
    {
        switch (job.KindSettings)
        {
            case MailJobSettings mail:
            {
                var endpoint = mail.Source.Resolve(job.Environment);
                var accounts = mail.Identities.SourceAccounts.ToList();
                var results = new SourceSize[accounts.Count];
                bool Skip(string folder) => mail.SkipFolders.Any(r => r.Pattern.IsMatch(folder));
                await Parallel.ForEachAsync(
                    Enumerable.Range(0, accounts.Count),
                    new ParallelOptions { MaxDegreeOfParallelism = job.Parallelism, CancellationToken = cancellationToken },
                    async (i, ct) =>
                    {
                        try
                        {
                            var size = await MailboxSizeReader.ReadAsync(endpoint, accounts[i], Skip, useStatusSize, ct);
                            results[i] = new SourceSize(new PlanAccount(size.Account, size.Messages, size.Bytes, size.Folders), accounts[i], size.Method, null);
                        }
                        catch (AccountFailedException ex)
                        {
                            results[i] = new SourceSize(null, accounts[i], null, ex.Message);
                        }
                    });
                return results;
            }

            case AddressBookJobSettings book:
            {
                var results = new List<SourceSize>();
                foreach (var (account, path) in book.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
                {
                    try
                    {
                        var rows = await CountRowsAsync(path, cancellationToken);
                        results.Add(new SourceSize(new PlanAccount(account, rows, new FileInfo(path).Length, 1), account, "CSV", null));
                    }
                    catch (IOException ex)
                    {
                        results.Add(new SourceSize(null, account, null, $"{path}: {ex.Message}"));
                    }
                }

                return results;
            }

            default:
                throw new ConfigurationException($"ジョブ種別 {job.Kind} の見積もりはまだできません / dxmig plan cannot size a {job.Kind} job yet");
        }
    }

    /// <summary>The target's rate per account: Graph's published limits (lowered by a given throughput), or a given or assumed one.</summary>
    public static TargetRate RateOf(JobFile job, GivenThroughput given)
    {
        var graph = job.KindSettings switch
        {
            MailJobSettings mail => mail.Graph is not null,
            AddressBookJobSettings book => book.Graph is not null,
            _ => false,
        };
        var bytes = given.MegabytesPerSecond * MiB;
        if (graph)
        {
            return given.Any
                ? TargetRate.Graph.Capped(bytes, given.ItemsPerSecond, $"{TargetRate.Graph.Basis}; 指定値 / given: {given.Describe()}")
                : TargetRate.Graph;
        }

        var basis = given.Any ? $"指定値 / given: {given.Describe()}" : null;
        return job.KindSettings is MailJobSettings
            ? new TargetRate(
                "imap", bytes ?? (AssumedImapMegabytesPerSecond * MiB), given.ItemsPerSecond ?? AssumedImapMessagesPerSecond, 1,
                basis ?? string.Create(CultureInfo.InvariantCulture, $"IMAP 移行先: 想定値 (--throughput/--items-per-second で指定可) / IMAP target: assumed {AssumedImapMegabytesPerSecond} MB/s and {AssumedImapMessagesPerSecond} messages/s per mailbox (set --throughput and --items-per-second from a measured run)"))
            : new TargetRate(
                "platform-contacts", bytes ?? double.PositiveInfinity, given.ItemsPerSecond ?? AssumedStoreRowsPerSecond, 1,
                basis ?? string.Create(CultureInfo.InvariantCulture, $"データ基盤: 想定値 / platform store: assumed {AssumedStoreRowsPerSecond} rows/s per account (set --items-per-second from a measured run)"));
    }

    /// <summary>Data rows of an export (records after the header; quoted newlines are one row).</summary>
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
