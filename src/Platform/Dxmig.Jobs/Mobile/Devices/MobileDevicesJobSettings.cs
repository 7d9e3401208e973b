using Dxmig.Extractors.Mobile;
using Dxmig.Jobs.Common;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Jobs.Mobile.Devices;

/// <summary>What a <c>mobile-devices</c> job's sections and mapping files say, checked. <see cref="Intune"/>: the beta upload, null when off.</summary>
public sealed record MobileDevicesJobSettings(
    MobileSourceOptions Source, TeleworkGroupMap Groups, string Store, SecretReference? StorePassword, GraphTargetSettings? Intune,
    int DeleteThreshold = DeletionSafety.DefaultMaxCount, double DeleteThresholdPercent = DeletionSafety.DefaultMaxPercent);
