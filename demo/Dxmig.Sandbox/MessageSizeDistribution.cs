namespace Dxmig.Sandbox;

/// <summary>
/// The sizes of a corpus's ordinary messages. Tests use <see cref="Small"/>; benchmarks use <see cref="RealWorld"/>
/// (median about 8 KB, 10% between 100 KB and 2 MB, about 3 in 2,000 of 10–20 MB). Sizes are drawn stratified, so
/// even 2,000 messages hold each band in its share, then shuffled.
/// </summary>
public sealed record MessageSizeDistribution
{
    public MessageSizeDistribution(IReadOnlyList<SizeBand> bands)
    {
        ArgumentNullException.ThrowIfNull(bands);
        if (bands.Count == 0 || bands.Any(b => b.Share <= 0 || b.MinBytes < 512 || b.MaxBytes < b.MinBytes))
        {
            throw new ArgumentException("every band needs a positive share and 512 <= MinBytes <= MaxBytes", nameof(bands));
        }

        Bands = bands;
    }

    /// <summary>Small messages (1.5–24 KB) for tests: quick to append and to compare.</summary>
    public static MessageSizeDistribution Small { get; } = new([new(0.8, 1_500, 6_000), new(0.2, 6_000, 24_000)]);

    /// <summary>Sizes like a real Japanese business mailbox, for benchmarks.</summary>
    public static MessageSizeDistribution RealWorld { get; } = new([
        new(0.50, 2_000, 8_192),
        new(0.3985, 8_192, 100_000),
        new(0.10, 100_000, 2_000_000),
        new(0.0015, 10_000_000, 20_000_000),
    ]);

    public IReadOnlyList<SizeBand> Bands { get; }

    /// <summary>Every message of about the same size.</summary>
    public static MessageSizeDistribution Fixed(int bytes) => new([new(1, bytes, bytes)]);

    /// <summary><paramref name="count"/> sizes in the bands' shares, in random order.</summary>
    public IReadOnlyList<int> Sample(int count, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var sizes = new int[count];
        for (var i = 0; i < count; i++)
        {
            sizes[i] = Quantile((i + random.NextDouble()) / count);
        }

        random.Shuffle(sizes);
        return sizes;
    }

    /// <summary>The size at cumulative share <paramref name="u"/> (0..1).</summary>
    public int Quantile(double u)
    {
        var total = Bands.Sum(b => b.Share);
        var position = Math.Clamp(u, 0, 1) * total;
        foreach (var band in Bands)
        {
            if (position <= band.Share)
            {
                var within = position / band.Share;
                return (int)Math.Round(band.MinBytes * Math.Pow((double)band.MaxBytes / band.MinBytes, within));
            }

            position -= band.Share;
        }

        return Bands[^1].MaxBytes;
    }
}
