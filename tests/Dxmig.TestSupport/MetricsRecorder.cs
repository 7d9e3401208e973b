using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace Dxmig.TestSupport;

/// <summary>One measurement a <see cref="MetricsRecorder"/> heard: the instrument's name, the value and its tags.</summary>
public sealed record RecordedMeasurement(string Instrument, double Value, IReadOnlyDictionary<string, string?> Tags)
{
    /// <summary>True when every (key, value) pair given is among the tags.</summary>
    public bool Has(params (string Key, string Value)[] tags) =>
        tags.All(t => Tags.TryGetValue(t.Key, out var value) && value == t.Value);
}

/// <summary>
/// Listens to one meter's instruments (what an OpenTelemetry exporter would read) and keeps every measurement, so a
/// test can sum what a run recorded. The listener hears the whole test process: filter on a tag only your test uses
/// (a job name of its own), or run the test in a collection that runs alone.
/// </summary>
public sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<RecordedMeasurement> heard = new();

    public MetricsRecorder(string meterName)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == meterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Keep(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Keep(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Keep(instrument, value, tags));
        listener.Start();
    }

    /// <summary>Every measurement of <paramref name="instrument"/> heard so far that carries the given tags.</summary>
    public IReadOnlyList<RecordedMeasurement> Of(string instrument, params (string Key, string Value)[] tags) =>
        [.. heard.Where(m => m.Instrument == instrument && m.Has(tags))];

    /// <summary>The sum of the values of <see cref="Of"/> (a counter's total).</summary>
    public double Sum(string instrument, params (string Key, string Value)[] tags) => Of(instrument, tags).Sum(m => m.Value);

    /// <summary>Reads the observable instruments now and returns what <paramref name="instrument"/> reported (its current value per tag set).</summary>
    public IReadOnlyList<RecordedMeasurement> Observe(string instrument, params (string Key, string Value)[] tags)
    {
        var before = heard.Count;
        listener.RecordObservableInstruments();
        return [.. heard.Skip(before).Where(m => m.Instrument == instrument && m.Has(tags))];
    }

    public void Dispose() => listener.Dispose();

    private void Keep<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct, IConvertible
    {
        var copy = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, tag) in tags)
        {
            copy[key] = Convert.ToString(tag, CultureInfo.InvariantCulture);
        }

        heard.Enqueue(new RecordedMeasurement(instrument.Name, value.ToDouble(CultureInfo.InvariantCulture), copy));
    }
}
