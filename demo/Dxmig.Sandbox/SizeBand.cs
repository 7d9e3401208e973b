namespace Dxmig.Sandbox;

/// <summary>
/// One band of a <see cref="MessageSizeDistribution"/>: this share of the messages has sizes between the two bounds,
/// spread log-uniformly (many near the lower bound, few near the upper one, as real mail is).
/// </summary>
public readonly record struct SizeBand(double Share, int MinBytes, int MaxBytes);
