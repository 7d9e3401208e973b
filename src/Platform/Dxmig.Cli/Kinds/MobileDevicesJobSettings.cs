using Dxmig.Extractors.Mobile;
using Dxmig.Platform.Jobs;

namespace Dxmig.Cli.Kinds;

/// <summary>What a <c>mobile-devices</c> job's sections and mapping files say, checked. <see cref="Intune"/>: the beta upload, null when off.</summary>
internal sealed record MobileDevicesJobSettings(
    MobileSourceOptions Source, TeleworkGroupMap Groups, string Store, SecretReference? StorePassword, GraphTargetSettings? Intune);
