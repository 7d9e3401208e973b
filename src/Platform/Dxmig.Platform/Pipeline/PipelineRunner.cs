using System.Threading.Channels;
using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Telemetry;
using Microsoft.Extensions.Logging;

namespace Dxmig.Platform.Pipeline;

/// <summary>
/// Runs one job: accounts in parallel, each as extractor → bounded channel → transformer → loader, with the ledger
/// written around every loader call (intent before, answer after), and the accounting proved at the end against the
/// ledger itself. One failing account never stops the others.
/// </summary>
public sealed class PipelineRunner<TIn, TOut>(
    IExtractor<TIn> extractor,
    ITransformer<TIn, TOut> transformer,
    ILoader<TOut> loader,
    JobLedger ledger,
    ILogger logger,
    TimeProvider time)
    where TIn : class
    where TOut : class
{
    /// <summary>
    /// Whether a batch's intent (Pending) is written before the loader is called. Not for a loader that upserts by the
    /// source key on an embedded (SQLite) ledger: a crash after its commit and before the ledger's leaves items the
    /// ledger does not hold as loaded, which the next run writes again as the same rows (<see cref="IKeyedUpsertLoader"/>).
    /// PostgreSQL ledgers keep the intent (cluster runs fence it with the account's lease).
    /// </summary>
    private readonly bool recordIntent =
        !(loader is IKeyedUpsertLoader { UpsertsByKey: true } && ledger.Location.Provider == Storage.StoreProvider.Sqlite);

    /// <summary>Runs the job to its end, or until <paramref name="stopToken"/> asks it to stop after the batch in hand.</summary>
    /// <exception cref="JobBusyException">Another live process runs this job.</exception>
    public async Task<RunResult> RunAsync(RunSettings settings, IRunObserver observer, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(observer);
        if (ledger.Clustered && !settings.DryRun)
        {
            return await RunClusteredAsync(settings, observer, stopToken);
        }

        var run = await ledger.BeginRunAsync(settings.Job, settings.DryRun, stopToken, settings.Node);
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["job"] = settings.Job, ["runId"] = run.RunId });
        logger.LogInformation(
            "実行開始 / run started: job {Job}, run {RunId}, {AccountCount} accounts, parallelism {Parallelism}{DryRun}",
            settings.Job, run.RunId, settings.Accounts.Count, settings.Parallelism, settings.DryRun ? " (dry run)" : string.Empty);

        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(run, settings.HeartbeatInterval, heartbeatStop.Token);
        var results = settings.Accounts.Select(a => new AccountResult(a)).ToList();
        using var circuit = new EndpointCircuit(settings.Accounts.Count);
        using var accountStop = CancellationTokenSource.CreateLinkedTokenSource(stopToken, circuit.Opened);
        try
        {
            await Parallel.ForEachAsync(
                results,
                new ParallelOptions { MaxDegreeOfParallelism = settings.Parallelism },
                async (result, _) => await RunAccountGuardedAsync(run, settings, result, null, observer, circuit, accountStop.Token));
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
        }

        foreach (var result in results)
        {
            await ledger.RecordAccountAsync(result.ToLedger(run.RunId), CancellationToken.None);
        }

        Summarise(run, results, stopToken.IsCancellationRequested);
        NoteOutage(run, circuit, results);
        await ledger.CompleteRunAsync(run, CancellationToken.None);
        DxmigMetrics.RunCompleted(settings, run);
        logger.LogInformation(
            "実行終了 / run ended: {Outcome}; seen {Seen} = loaded {Loaded} + removed {Removed} + skipped {Skipped} + quarantined {Quarantined} + already done {AlreadyDone}",
            run.Outcome, run.Seen, run.Loaded, run.Removed, run.Skipped, run.Quarantined, run.AlreadyDone);
        return new RunResult(run, results) { Outage = circuit.Outage };
    }

    /// <summary>
    /// A run whose circuit opened failed, whatever its accounts did: it says once which server and why, and how many
    /// accounts were not tried (they are as they were, and the next run carries them).
    /// </summary>
    private void NoteOutage(LedgerRun run, EndpointCircuit circuit, IReadOnlyCollection<AccountResult> results)
    {
        if (circuit.Outage is not { } outage)
        {
            return;
        }

        var notTried = results.Count(r => r.NotTried);
        run.Outcome = RunOutcome.Failed;
        run.Message = outage.Message + (notTried > 0
            ? $" — {notTried} アカウントは試さずに止めました (次の実行で続けます) / {notTried} account(s) not tried (the next run carries them)"
            : string.Empty);
        // The console gets it once, in the summary; the run's JSON log gets it here.
        logger.LogInformation("回路を開きました / circuit opened: {Message}", run.Message);
    }

    /// <summary>
    /// A cluster run (PostgreSQL): this process starts the job's run or joins the one open, then each of its
    /// <see cref="RunSettings.Parallelism"/> slots claims accounts one at a time until none is left anywhere (waiting, or
    /// held by a node that stopped heartbeating: taken over). It stays until every account is done, so that it can take
    /// over from a node that dies; the process that finds them all done completes the run.
    /// </summary>
    private async Task<RunResult> RunClusteredAsync(RunSettings settings, IRunObserver observer, CancellationToken stopToken)
    {
        var member = ClusterMember.Create(settings.Node, settings.Parallelism, settings.LeaseTimeout);
        var begun = await ledger.BeginOrJoinClusterRunAsync(settings.Job, settings.Accounts, member, settings.JoinOnly, stopToken)
            ?? throw new NoRunToJoinException($"ジョブ {settings.Job} に参加できる実行はありません / job {settings.Job} has no open run to join");
        var (run, joined) = begun;
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["job"] = settings.Job, ["runId"] = run.RunId, ["node"] = settings.Node });
        if (joined)
        {
            logger.LogInformation(
                "クラスター実行に参加 / joined cluster run: job {Job}, run {RunId}, node {Node}, parallelism {Parallelism}",
                settings.Job, run.RunId, settings.Node, settings.Parallelism);
        }
        else
        {
            logger.LogInformation(
                "クラスター実行を開始 / cluster run started: job {Job}, run {RunId}, node {Node}, parallelism {Parallelism}, {AccountCount} accounts for every node",
                settings.Job, run.RunId, settings.Node, settings.Parallelism, settings.Accounts.Count);
        }

        var held = new System.Collections.Concurrent.ConcurrentDictionary<string, (AccountLease Lease, AccountResult Result)>(StringComparer.Ordinal);
        var mine = new System.Collections.Concurrent.ConcurrentQueue<AccountResult>();
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = ClusterHeartbeatAsync(run, member, held, settings.ClusterHeartbeat, heartbeatStop.Token);
        // A server this node cannot reach: it stops claiming accounts and gives back the ones it holds.
        using var circuit = new EndpointCircuit(settings.Accounts.Count);
        using var accountStop = CancellationTokenSource.CreateLinkedTokenSource(stopToken, circuit.Opened);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, settings.Parallelism).Select(_ => ClusterSlotAsync(run, member, settings, held, mine, observer, circuit, accountStop.Token)));
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
        }

        var (final, accounts, completedHere) = await ledger.LeaveClusterRunAsync(
            run, member, accountStop.IsCancellationRequested,
            (r, rows, stopped) => Summarise(r, [.. rows.Select(AccountResult.FromLedger)], stopped),
            CancellationToken.None);
        if (completedHere)
        {
            DxmigMetrics.RunCompleted(settings, final);
            logger.LogInformation(
                "実行終了 / run ended: {Outcome}; seen {Seen} = loaded {Loaded} + removed {Removed} + skipped {Skipped} + quarantined {Quarantined} + already done {AlreadyDone}",
                final.Outcome, final.Seen, final.Loaded, final.Removed, final.Skipped, final.Quarantined, final.AlreadyDone);
            return new RunResult(final, [.. accounts.Select(AccountResult.FromLedger)]) { Joined = joined, Outage = circuit.Outage };
        }

        logger.LogInformation("このノードの担当を終了 / this node's part ended: run {RunId} is {Outcome}", run.RunId, final.Outcome);
        return new RunResult(final, [.. mine]) { CompletedHere = false, Joined = joined, Outage = circuit.Outage };
    }

    /// <summary>One slot of a cluster node: claims an account, runs it, records it (or gives it back when stopped), again.</summary>
    private async Task ClusterSlotAsync(
        LedgerRun run, ClusterMember member, RunSettings settings,
        System.Collections.Concurrent.ConcurrentDictionary<string, (AccountLease Lease, AccountResult Result)> held,
        System.Collections.Concurrent.ConcurrentQueue<AccountResult> mine, IRunObserver observer, EndpointCircuit circuit, CancellationToken stopToken)
    {
        while (!stopToken.IsCancellationRequested)
        {
            AccountLease? lease;
            try
            {
                lease = await ledger.ClaimAccountAsync(run, member, stopToken);
                if (lease is null)
                {
                    if (await ledger.OutstandingAccountsAsync(run.RunId, stopToken) == 0)
                    {
                        return;
                    }

                    await Task.Delay(settings.ClaimPoll, time, stopToken);
                    continue;
                }
            }
            catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The database may be out of reach for a moment; the slot tries again, its accounts are safe in the ledger.
            catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
#pragma warning restore CA1031
            {
                logger.LogWarning("台帳に接続できないため再試行します / the ledger is out of reach, trying again: {Reason}", ex.Message);
                try
                {
                    await Task.Delay(settings.ClaimPoll, time, stopToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            using (lease)
            {
                await RunClaimedAsync(run, settings, lease, held, mine, observer, circuit, stopToken);
            }
        }
    }

    private async Task RunClaimedAsync(
        LedgerRun run, RunSettings settings, AccountLease lease,
        System.Collections.Concurrent.ConcurrentDictionary<string, (AccountLease Lease, AccountResult Result)> held,
        System.Collections.Concurrent.ConcurrentQueue<AccountResult> mine, IRunObserver observer, EndpointCircuit circuit, CancellationToken stopToken)
    {
        var result = new AccountResult(lease.Account);
        if (lease.TakenOver)
        {
            result.TakenOverFrom = lease.PreviousNode;
            result.Preload(await ledger.RunItemTotalsAsync(settings.Job, run.RunId, lease.Account, CancellationToken.None));
            logger.LogWarning(
                "アカウント {Account} を {Previous} から引き継ぎました (エポック {Epoch}); チェックポイントから再開します / took over account {Account} from {Previous} (epoch {Epoch}); resuming from its checkpoints",
                lease.Account, lease.PreviousNode ?? "-", lease.Epoch, lease.Account, lease.PreviousNode ?? "-", lease.Epoch);
        }

        held[lease.Account] = (lease, result);
        try
        {
            await RunAccountGuardedAsync(run, settings, result, lease, observer, circuit, stopToken);
        }
        finally
        {
            held.TryRemove(lease.Account, out _);
        }

        if (result.LeaseLost)
        {
            return;
        }

        try
        {
            if (result.Outcome == RunOutcome.Stopped)
            {
                await ledger.ReleaseAccountAsync(lease, CancellationToken.None);
                logger.LogInformation("アカウント {Account} を他のノードに渡しました / account {Account} released for the other nodes", lease.Account, lease.Account);
            }
            else
            {
                await ledger.FinishAccountAsync(lease, result.ToLedger(run.RunId), CancellationToken.None);
            }

            mine.Enqueue(result);
        }
        catch (LeaseLostException ex)
        {
            result.LeaseLost = true;
            await NoteLostAsync(lease, ex.Message);
        }
    }

    private async Task NoteLostAsync(AccountLease lease, string message)
    {
        logger.LogWarning("{Message}", message);
        try
        {
            await ledger.RecordFencedWriteAsync(lease, message, CancellationToken.None);
        }
#pragma warning disable CA1031 // Only a note for the operators: the refusal itself already protected the ledger.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.LogWarning("拒否した書き込みを記録できませんでした / could not note the refused write: {Reason}", ex.Message);
        }
    }

    private async Task ClusterHeartbeatAsync(
        LedgerRun run, ClusterMember member,
        System.Collections.Concurrent.ConcurrentDictionary<string, (AccountLease Lease, AccountResult Result)> held,
        TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, cancellationToken);
                await ledger.HeartbeatClusterAsync(
                    run, member, [.. held.Values.Select(h => (h.Lease, h.Result.Seen, h.Result.Loaded, h.Result.Bytes))], cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A missed heartbeat is not fatal: the leases' own clocks stop the writes if it lasts.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.LogWarning("生存通知を書けませんでした / heartbeat not written: {Reason}", ex.Message);
            }
        }
    }

    private static void Summarise(LedgerRun run, List<AccountResult> results, bool stopRequested)
    {
        run.Seen = results.Sum(r => r.Seen);
        run.Loaded = results.Sum(r => r.Loaded);
        run.Skipped = results.Sum(r => r.Skipped);
        run.Quarantined = results.Sum(r => r.Quarantined);
        run.AlreadyDone = results.Sum(r => r.AlreadyDone);
        run.Removed = results.Sum(r => r.Removed);
        run.Bytes = results.Sum(r => r.Bytes);
        run.AccountsFailed = results.Count(r => r.Outcome == RunOutcome.Failed);
        run.Warnings = results.Sum(r => r.Warnings.Count);

        if (run.AccountsFailed > 0)
        {
            run.Outcome = RunOutcome.Failed;
            run.Message = $"{run.AccountsFailed} アカウントが失敗しました / {run.AccountsFailed} account(s) failed";
        }
        else if (stopRequested || results.Any(r => r.Outcome == RunOutcome.Stopped))
        {
            run.Outcome = RunOutcome.Stopped;
            run.Message = "途中で停止しました。次の実行が続きから再開します / stopped before the end; the next run resumes";
        }
        else if (run.Warnings > 0)
        {
            run.Outcome = RunOutcome.CompletedWithWarnings;
            run.Message = $"要確認の警告が {run.Warnings} 件あります / {run.Warnings} warning(s) need attention" +
                          (run.Quarantined > 0 ? $"; {run.Quarantined} 件を隔離 / {run.Quarantined} item(s) quarantined" : string.Empty);
        }
        else if (run.Quarantined > 0)
        {
            run.Outcome = RunOutcome.CompletedWithQuarantine;
            run.Message = $"{run.Quarantined} 件を隔離しました / {run.Quarantined} item(s) quarantined";
        }
        else
        {
            run.Outcome = RunOutcome.Succeeded;
        }
    }

    private async Task RunAccountGuardedAsync(
        LedgerRun run, RunSettings settings, AccountResult result, AccountLease? lease, IRunObserver observer, EndpointCircuit circuit, CancellationToken stopToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["account"] = result.Account });
        if (circuit.Outage is { } before)
        {
            // The server cannot be reached: this account is not tried, and nothing of it changes (the next run carries it).
            result.Outcome = RunOutcome.Stopped;
            result.NotTried = true;
            result.Message = before.NotTried;
            return; // not "finished" either: no progress line for each account not tried
        }

        DxmigMetrics.AccountStarted(settings);
        try
        {
            await RunAccountAsync(run, settings, result, lease, observer, stopToken);
            lease?.ThrowIfLost();
            await VerifyAgainstLedgerAsync(run, settings, result);
            if (result.Outcome == RunOutcome.Running)
            {
                result.Outcome = result.Warnings.Count > 0 ? RunOutcome.CompletedWithWarnings
                    : result.Quarantined > 0 ? RunOutcome.CompletedWithQuarantine
                    : RunOutcome.Succeeded;
            }

            circuit.Succeeded();
        }
        catch (Exception ex) when (lease is not null && (ex is LeaseLostException || (ex is OperationCanceledException && lease.IsLost)))
        {
            result.LeaseLost = true;
            await NoteLostAsync(lease, ex is LeaseLostException ? ex.Message : new LeaseLostException(lease, "他のノードが引き継ぎました / another node took it over").Message);
        }
        catch (OperationCanceledException) when (stopToken.IsCancellationRequested && circuit.Outage is { } outage)
        {
            // Under way when the circuit opened: the batch in hand is recorded, the rest waits for the next run.
            result.Outcome = RunOutcome.Stopped;
            result.Message = outage.Interrupted;
            await VerifyAgainstLedgerAsync(run, settings, result);
            logger.LogInformation("アカウント {Account} を止めました / account {Account} stopped: {Reason}", result.Account, result.Account, outage.Message);
        }
        catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
        {
            result.Outcome = RunOutcome.Stopped;
            result.Message = "停止要求により中断 / stopped on request";
            await VerifyAgainstLedgerAsync(run, settings, result);
            logger.LogWarning("アカウント {Account} は停止要求で中断しました / account {Account} stopped on request", result.Account, result.Account);
        }
        catch (AccountFailedException ex)
        {
            result.Outcome = RunOutcome.Failed;
            result.Message = ex.Message;
            logger.LogError("アカウント {Account} は失敗しました / account {Account} failed: {Reason}", result.Account, result.Account, ex.Message);
            circuit.Failed(result.Account, result.FailedSide, ex);
        }
#pragma warning disable CA1031 // One broken account must never stop the others: every failure is recorded with its reason.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            result.Outcome = RunOutcome.Failed;
            result.Message = FailureWords.Explain(ex);
            logger.LogError(ex, "アカウント {Account} で予期しないエラー / unexpected error in account {Account}", result.Account, result.Account);
            circuit.Failed(result.Account, result.FailedSide, ex);
        }
        finally
        {
            DxmigMetrics.AccountEnded(settings);
            observer.AccountFinished(result);
        }
    }

    /// <summary>
    /// The accounting must balance, and the ledger must hold, for this run, exactly the loaded, skipped and quarantined
    /// items counted: a write the ledger lost, or an item counted twice, fails the account here.
    /// </summary>
    private async Task VerifyAgainstLedgerAsync(LedgerRun run, RunSettings settings, AccountResult result)
    {
        if (!result.Balances)
        {
            throw new AccountingMismatchException(
                $"集計が合いません: {result.Accounting("≠", AccountingWords.Japanese)} / accounting does not balance: {result.Accounting("≠", AccountingWords.English)}");
        }

        if (settings.DryRun)
        {
            return;
        }

        var counts = await ledger.CountRunItemsAsync(settings.Job, run.RunId, result.Account, CancellationToken.None);
        long Get(ItemState s) => counts.TryGetValue(s, out var n) ? n : 0;
        if (Get(ItemState.Loaded) != result.Loaded || Get(ItemState.Removed) != result.Removed || Get(ItemState.Skipped) != result.Skipped ||
            Get(ItemState.Quarantined) != result.Quarantined || Get(ItemState.Pending) != 0)
        {
            throw new AccountingMismatchException(
                $"台帳と集計が一致しません: 台帳 投入 {Get(ItemState.Loaded)} スキップ {Get(ItemState.Skipped)} 隔離 {Get(ItemState.Quarantined)} 未確定 {Get(ItemState.Pending)} / " +
                $"the ledger disagrees with the run's accounting: ledger loaded {Get(ItemState.Loaded)}, skipped {Get(ItemState.Skipped)}, quarantined {Get(ItemState.Quarantined)}, pending {Get(ItemState.Pending)}; " +
                $"run loaded {result.Loaded}, skipped {result.Skipped}, quarantined {result.Quarantined}");
        }
    }

    private async Task RunAccountAsync(
        LedgerRun run, RunSettings settings, AccountResult result, AccountLease? lease, IRunObserver observer, CancellationToken stopToken)
    {
        var account = result.Account;
        result.FailedSide = EndpointSide.Source;
        var estimate = await extractor.EstimateAsync(account, stopToken);
        result.FailedSide = null;
        observer.AccountStarted(account, estimate);
        logger.LogInformation("アカウント開始 / account started: {Account}", account);

        var checkpoints = new DeferredCheckpoints(ledger, settings.Job, account, lease);
        var known = new LedgerKnownItems(ledger, settings.Job, account);
        var channel = Channel.CreateBounded<SourceItem<TIn>>(new BoundedChannelOptions(settings.ChannelCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
        using var producerStop = CancellationTokenSource.CreateLinkedTokenSource(stopToken, lease?.LostToken ?? CancellationToken.None);
        var context = new ExtractContext(checkpoints, known, warning =>
        {
            result.Warn(warning);
            logger.LogWarning("警告 / warning: {Account}: {Warning}", account, warning);
        });
        var producer = ProduceAsync(result, context, checkpoints, channel.Writer, producerStop.Token);

        var seenRefs = new HashSet<ItemRef>();
        var batch = new List<SourceItem<TIn>>(settings.BatchSize);
        long consumed = 0;
        try
        {
            // The batch in hand is always finished: ledger and loader calls run to their end even after a stop request.
            while (await channel.Reader.WaitToReadAsync(CancellationToken.None))
            {
                await FillBatchAsync(channel.Reader, batch, settings);

                try
                {
                    await ProcessBatchAsync(run, settings, result, lease, batch, seenRefs, CancellationToken.None);
                }
                finally
                {
                    DisposePayloads(batch);
                }

                consumed += batch.Count;
                observer.ItemsProcessed(account, batch.Count, batch.Sum(i => i.Size));
                batch.Clear();
                if (!settings.DryRun)
                {
                    await checkpoints.PersistUpToAsync(consumed, CancellationToken.None);
                }

                stopToken.ThrowIfCancellationRequested();
                lease?.ThrowIfLost();
            }
        }
        finally
        {
            await producerStop.CancelAsync();
            try
            {
                await producer;
            }
            catch (OperationCanceledException)
            {
                // The producer ends this way whenever the consumer stops first.
            }

            // Items read ahead but never processed may hold temporary files.
            while (channel.Reader.TryRead(out var left))
            {
                DisposePayloads([left]);
            }
        }

        // Rethrows the extractor's failure, if any, after everything read before it was processed.
        await channel.Reader.Completion;
        if (!settings.DryRun)
        {
            await checkpoints.PersistUpToAsync(consumed, CancellationToken.None);
        }

        logger.LogInformation(
            "アカウント終了 / account finished: {Account}: seen {Seen}, loaded {Loaded}, skipped {Skipped}, quarantined {Quarantined}, already done {AlreadyDone}",
            account, result.Seen, result.Loaded, result.Skipped, result.Quarantined, result.AlreadyDone);
    }

    /// <summary>
    /// Takes what is there, then waits up to <see cref="RunSettings.BatchLinger"/> for the batch to fill: full batches
    /// keep ledger transactions and target round trips few, the linger keeps a slow source from holding items back.
    /// </summary>
    private async Task FillBatchAsync(ChannelReader<SourceItem<TIn>> reader, List<SourceItem<TIn>> batch, RunSettings settings)
    {
        using var linger = new CancellationTokenSource(settings.BatchLinger, time);
        while (batch.Count < settings.BatchSize)
        {
            while (batch.Count < settings.BatchSize && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            if (batch.Count >= settings.BatchSize)
            {
                return;
            }

            try
            {
                if (!await reader.WaitToReadAsync(linger.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (linger.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static void DisposePayloads(IEnumerable<SourceItem<TIn>> items)
    {
        foreach (var item in items)
        {
            (item.Payload as IDisposable)?.Dispose();
        }
    }

    private async Task ProduceAsync(
        AccountResult result, ExtractContext context, DeferredCheckpoints checkpoints, ChannelWriter<SourceItem<TIn>> writer, CancellationToken cancellationToken)
    {
        await Task.Yield();
        Exception? failure = null;
        try
        {
            await foreach (var item in extractor.ExtractAsync(result.Account, context, cancellationToken))
            {
                await writer.WriteAsync(item, cancellationToken);
                checkpoints.ItemRead();
            }
        }
#pragma warning disable CA1031 // The failure is handed to the consumer through the channel and rethrown there.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure = ex;
            result.FailedSide ??= EndpointSide.Source;
        }
        finally
        {
            writer.TryComplete(failure);
        }
    }

    private async Task ProcessBatchAsync(
        LedgerRun run, RunSettings settings, AccountResult result, AccountLease? lease, List<SourceItem<TIn>> batch, HashSet<ItemRef> seenRefs,
        CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var account = result.Account;
        foreach (var item in batch)
        {
            if (item.Key.Account != account)
            {
                throw new InvalidOperationException($"extractor yielded an item of account {item.Key.Account} while reading {account}");
            }

            if (!seenRefs.Add(item.Key.Ref))
            {
                throw new InvalidOperationException($"extractor yielded {item.Key.Ref} twice in one run ({item.Location})");
            }
        }

        var known = await ledger.LookupAsync(settings.Job, account, batch.Select(i => i.Key.Ref).ToList(), cancellationToken);
        var writes = new List<ItemWrite>(batch.Count);
        var toLoad = new List<Pending>();
        foreach (var item in batch)
        {
            known.TryGetValue(item.Key.Ref, out var entry);
            if (lease is { TakenOver: true } && entry is not null && entry.State != ItemState.Pending && entry.LastRunId == run.RunId)
            {
                // Finished by the earlier holder in this run: counted when the account was taken over.
                continue;
            }

            result.CountSeen(item.Size);
            if (item.Problem is not null)
            {
                writes.Add(ProblemWrite(item, item.Problem));
                continue;
            }

            var nothingToDo = item.Removal
                ? entry is null or { State: ItemState.Removed or ItemState.Skipped or ItemState.Quarantined }
                : entry is { State: ItemState.Loaded } && entry.ContentHash == item.ContentHash;
            if (nothingToDo)
            {
                result.CountAlreadyDone();
                DxmigMetrics.ItemAlreadyDone(settings, item.Size);
                continue;
            }

            var decision = TransformSafely(item);
            if (decision.Problem is not null)
            {
                writes.Add(ProblemWrite(item, decision.Problem));
                continue;
            }

            toLoad.Add(new Pending(
                item,
                decision.Targets,
                entry is { State: ItemState.Pending } || item.InDoubt,
                entry is { State: ItemState.Loaded or ItemState.Pending } ? entry.TargetKey : null));
        }

        if (settings.DryRun)
        {
            foreach (var write in writes)
            {
                result.Count(write.State);
            }

            foreach (var pending in toLoad)
            {
                result.Count(pending.Item.Removal ? ItemState.Removed : ItemState.Loaded);
            }

            return;
        }

        if (toLoad.Count > 0)
        {
            // Intent first: should the process die during the load, the next run knows these items are in doubt.
            if (recordIntent)
            {
                await ledger.WriteItemsAsync(
                    settings.Job, run.RunId, account,
                    toLoad.Select(t => new ItemWrite(t.Item.Key, t.Item.ContentHash, t.Item.Size, ItemState.Pending, null, null, t.Item.Location, null)).ToList(),
                    cancellationToken,
                    lease);
            }

            var requests = new List<LoadRequest<TOut>>();
            foreach (var pending in toLoad)
            {
                var previous = pending.PreviousTargetKey?.Split('\n');
                for (var i = 0; i < pending.Targets.Count; i++)
                {
                    requests.Add(new LoadRequest<TOut>(
                        pending.Item.Key, pending.Item.ContentHash, i, pending.Targets[i], pending.InDoubt,
                        previous is not null && i < previous.Length ? previous[i] : null, pending.Item.Removal));
                }
            }

            // Cluster runs: the intent above was written under the lease; this process must still hold it as the target is written.
            lease?.ThrowIfLost();
            WriteFence.Current = lease;
            IReadOnlyList<LoadOutcome> outcomes;
            try
            {
                outcomes = await loader.LoadAsync(account, requests, lease?.LostToken ?? cancellationToken);
            }
            catch (Exception ex) when (EndpointFailure.Classify(ex) is not null)
            {
                result.FailedSide ??= EndpointSide.Target;
                throw;
            }
            if (outcomes.Count != requests.Count)
            {
                throw new InvalidOperationException($"loader answered {outcomes.Count} outcomes for {requests.Count} requests");
            }

            var position = 0;
            foreach (var pending in toLoad)
            {
                var item = pending.Item;
                var mine = outcomes.Skip(position).Take(pending.Targets.Count).ToList();
                position += pending.Targets.Count;
                var refused = mine.FirstOrDefault(o => o.Problem is not null).Problem;
                writes.Add(refused is not null
                    ? ProblemWrite(item, refused)
                    : new ItemWrite(item.Key, item.ContentHash, item.Size, item.Removal ? ItemState.Removed : ItemState.Loaded, null,
                        mine.Select(o => o.Note).FirstOrDefault(n => n is not null), item.Location, string.Join('\n', mine.Select(o => o.TargetKey))));
            }
        }

        await ledger.WriteItemsAsync(settings.Job, run.RunId, account, writes, cancellationToken, lease);
        foreach (var write in writes)
        {
            result.Count(write.State);
            DxmigMetrics.ItemRecorded(settings, write.State, write.Size, write.Code);
            if (write.State == ItemState.Quarantined)
            {
                // Per item to the run's JSON log; the console gets the list at the end, not a line per item.
                logger.LogInformation("隔離 / quarantined: {Location}: {Reason}", write.Location, write.Message);
            }
        }
    }

    private TransformResult<TOut> TransformSafely(SourceItem<TIn> item)
    {
        try
        {
            return transformer.Transform(item);
        }
        catch (AccountFailedException)
        {
            throw;
        }
#pragma warning disable CA1031 // A transformer that throws on one item quarantines that item, with the error, and the run goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.LogError(ex, "変換エラー / transform error at {Location}", item.Location);
            return TransformResult<TOut>.Quarantine(
                "transform-error", $"変換中にエラー: {ex.GetType().Name}: {ex.Message}", $"transform failed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private static ItemWrite ProblemWrite(SourceItem<TIn> item, ItemProblem problem) => new(
        item.Key,
        item.ContentHash,
        item.Size,
        problem.Kind == ProblemKind.Skip ? ItemState.Skipped : ItemState.Quarantined,
        problem.Code,
        problem.Message,
        item.Location,
        null);

    private async Task HeartbeatAsync(LedgerRun run, TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, cancellationToken);
                await ledger.HeartbeatAsync(run, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended.
        }
    }

    private sealed record Pending(SourceItem<TIn> Item, IReadOnlyList<TOut> Targets, bool InDoubt, string? PreviousTargetKey);

    /// <summary>The ledger as an extractor may see it: read only, one account.</summary>
    private sealed class LedgerKnownItems(JobLedger ledger, string job, string account) : IKnownItems
    {
        public async Task<IReadOnlyDictionary<string, KnownItem>> LookupAsync(string container, IReadOnlyCollection<string> nativeIds, CancellationToken cancellationToken)
        {
            var rows = await ledger.LookupAsync(job, account, nativeIds.Select(n => new ItemRef(container, n)).ToList(), cancellationToken);
            return rows.Values.ToDictionary(r => r.NativeId, ToKnown, StringComparer.Ordinal);
        }

        public async IAsyncEnumerable<KnownItem> ListLoadedAsync(string container, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var row in ledger.ListLoadedAsync(job, account, container, cancellationToken))
            {
                yield return ToKnown(row);
            }
        }

        private static KnownItem ToKnown(LedgerItem row) => new(row.NativeId, row.ContentHash, row.State.ToString(), row.TargetKey);
    }

    /// <summary>
    /// Checkpoints an extractor saves are held until every item it read before saving them has been processed, so a
    /// checkpoint never runs ahead of the ledger.
    /// </summary>
    private sealed class DeferredCheckpoints(JobLedger ledger, string job, string account, AccountLease? lease) : ICheckpointAccess
    {
        private readonly Lock gate = new();
        private readonly Queue<(long ReadCount, Checkpoint Checkpoint)> waiting = new();
        private long readCount;

        public Task<Checkpoint?> GetAsync(string container, CancellationToken cancellationToken) =>
            ledger.GetCheckpointAsync(job, account, container, cancellationToken);

        public Task SaveAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
        {
            lock (gate)
            {
                waiting.Enqueue((Interlocked.Read(ref readCount), checkpoint));
            }

            return Task.CompletedTask;
        }

        public void ItemRead() => Interlocked.Increment(ref readCount);

        public async Task PersistUpToAsync(long consumed, CancellationToken cancellationToken)
        {
            while (true)
            {
                Checkpoint? next;
                lock (gate)
                {
                    if (waiting.Count == 0 || waiting.Peek().ReadCount > consumed)
                    {
                        return;
                    }

                    next = waiting.Dequeue().Checkpoint;
                }

                await ledger.SaveCheckpointAsync(job, account, next, cancellationToken, lease);
            }
        }
    }
}
