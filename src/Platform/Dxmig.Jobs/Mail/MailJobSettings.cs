using Dxmig.Extractors.Imap;
using Dxmig.Contracts.Mappings;
using Dxmig.Jobs.Common;
using Dxmig.Transformers.Mail;

namespace Dxmig.Jobs.Mail;

/// <summary>What a mail job's sections and mapping files say, checked.</summary>
public sealed record MailJobSettings(
    ImapEndpointSettings Source,
    ImapEndpointSettings? Target,
    GraphTargetSettings? Graph,
    IdentityMap Identities,
    FolderMap Folders,
    IReadOnlyList<FolderSkipRule> SkipFolders,
    long? MaxMessageSize,
    int? MaxAgeDays,
    DeletionPolicy Deletions,
    double DeletionThresholdPercent,
    int FetchBatch,
    int AppendBatch,
    long? TargetMaxMessageSize,
    bool Repair8BitHeaders);
