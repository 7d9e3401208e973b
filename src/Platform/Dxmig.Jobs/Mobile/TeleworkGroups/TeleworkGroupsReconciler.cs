using Dxmig.Contracts.Text;
using System.Runtime.CompilerServices;
using Dxmig.Extractors.Mobile;
using Dxmig.Loaders.Graph;
using Dxmig.Contracts;
using Dxmig.Platform.Pipeline;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Reconciliation;
using Dxmig.Transformers.Mobile;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Mobile.TeleworkGroups;

/// <summary>
/// Telework groups: who the permission lists grant, group by group (the run's own extractor and transformer, valid
/// today), against each group's members as Entra ID lists them (paged). A member no list grants was not put there by
/// dxmig's lists: it is listed as not ours and as a conflict an admin must see ("member-not-granted"), never as extra,
/// since dxmig does not remove it. A granted person missing from the group is missing.
/// </summary>
public sealed class TeleworkGroupsReconciler : IReconciler, IConflictReconciler
{
    private readonly TeleworkGroupsJobSettings settings;
    private readonly ILoggerFactory loggers;
    private readonly TimeProvider time;
    private readonly GraphSession session;
    private readonly GraphGroupLoader groups;
    private readonly List<ReportConflict> conflicts = [];

    public TeleworkGroupsReconciler(TeleworkGroupsJobSettings settings, Dxmig.Platform.JobFiles.JobFile job, ILoggerFactory loggers, TimeProvider time)
    {
        this.settings = settings;
        this.loggers = loggers;
        this.time = time;
        session = new GraphSession(settings.Graph.Resolve(job.Environment));
        groups = new GraphGroupLoader(session, loggers.CreateLogger("dxmig.reconcile.graph"), time);
    }

    public string SourceDescription => $"テレワーク許可一覧 CSV / permission lists ({settings.Files.Count})";

    public string TargetDescription => $"Entra ID groups, Microsoft Graph {session.Options.BaseUrl}";

    public IReadOnlyList<string> Compared => [];

    public long Requests => groups.Engine.HttpRequests;

    public async IAsyncEnumerable<ReconItem> ReadSourceAsync(string account, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var transformer = new GroupMembershipTransformer(settings.Identities);
        await foreach (var item in Extractor().ExtractAsync(account, new ExtractContext(NoCheckpoints.Instance), cancellationToken))
        {
            if (item.Removal)
            {
                continue;
            }

            var membership = item.Problem is null ? transformer.Transform(item).Targets is [var m] ? m : null : null;
            yield return new ReconItem(membership?.GroupName ?? item.Payload?.GroupName ?? string.Empty, Identity(membership, item))
            {
                Location = item.Location,
                Ref = item.Key.Ref,
            };
        }
    }

    public async IAsyncEnumerable<ReconItem> ReadTargetAsync(string account, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The groups the lists name, and who each grants (the lists read once more).
        var extractor = Extractor();
        await foreach (var _ in extractor.ExtractAsync(account, new ExtractContext(NoCheckpoints.Instance), cancellationToken))
        {
        }

        foreach (var (name, granted) in TeleworkGrants.Expected(settings, extractor.Wanted))
        {
            foreach (var (id, upn) in await groups.ListMembersAsync(account, name, cancellationToken))
            {
                var ours = upn is not null && granted.Contains(upn);
                if (!ours)
                {
                    lock (conflicts)
                    {
                        conflicts.Add(TeleworkGrants.NotGranted(name, upn ?? id));
                    }
                }

                yield return new ReconItem(name, (upn ?? id).ToLowerInvariant())
                {
                    Location = $"{name}: {upn ?? id}",
                    TargetKey = $"member:{name}/{upn ?? id}",
                    Ours = ours,
                };
            }
        }
    }

    public Task<IReadOnlyList<ReportConflict>> ConflictsAsync(CancellationToken cancellationToken)
    {
        lock (conflicts)
        {
            return Task.FromResult<IReadOnlyList<ReportConflict>>([.. conflicts]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await groups.DisposeAsync();
        session.Dispose();
    }

    private static string Identity(GroupMembership? membership, SourceItem<GroupMembership> item) =>
        membership is { UserPrincipalName.Length: > 0 } m ? m.UserPrincipalName.ToLowerInvariant() : item.Key.Ref.NativeId;

    private TeleworkGroupExtractor Extractor()
    {
        var today = JapanTime.Today(time);
        return new TeleworkGroupExtractor(
            new TeleworkGroupSourceOptions(
                settings.Files, settings.Encoding, settings.FieldMap, settings.Groups, settings.Departments,
                text => MobileTransformer.TryDate(text, out var date) ? date : null, today, new DeletionSafety()),
            loggers.CreateLogger<TeleworkGroupExtractor>());
    }
}
