using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dxmig.Jobs.Planning;

/// <summary>
/// <c>dxmig plan --json</c>: one object per job, for a program to compare with a measured run (the rehearsal reads
/// exactly these names: keep them). Times in seconds; <c>finish</c> in ISO 8601 with the offset, or null; a rate without
/// a limit (the store has none by bytes) is null.
/// </summary>
public static class PlanJson
{
    /// <summary>The plan as one JSON object.</summary>
    public static string Write(PlanOutcome outcome)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(writer, outcome);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Several plans as one JSON array (<c>dxmig plan --all --json</c>).</summary>
    public static string WriteAll(IEnumerable<PlanOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            foreach (var outcome in outcomes)
            {
                Write(writer, outcome);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, PlanOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var read = outcome.Read;
        var rate = outcome.Rate;
        var plan = outcome.Estimate;
        writer.WriteStartObject();
        writer.WriteString("job", outcome.Job);
        writer.WriteString("kind", outcome.Kind);
        writer.WriteString("target", outcome.Target);
        writer.WriteNumber("nodes", outcome.Asked.Nodes);
        writer.WriteNumber("parallelism", outcome.Parallelism);
        writer.WriteNumber("accounts", read.Count);
        writer.WriteNumber("unread", outcome.Unread);
        writer.WriteNumber("items", read.Sum(s => s.Size!.Items));
        writer.WriteNumber("bytes", read.Sum(s => s.Size!.Bytes));
        writer.WriteNumber("workSeconds", Round(outcome.WorkSum.TotalSeconds));
        writer.WriteNumber("wallSeconds", Round(plan.Work.TotalSeconds));
        Nullable(writer, "windows", plan.Windows);
        if (plan.Finish is { } finish)
        {
            writer.WriteString("finish", finish.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteNull("finish");
        }

        writer.WriteNumber("nodeBytesPerSecond", Round(outcome.Asked.Capacity.BytesPerSecond));
        Nullable(writer, "nodesNeeded", outcome.Nodes.Nodes);
        writer.WriteStartObject("rate");
        Finite(writer, "itemsPerSecond", rate.ItemsPerSecond);
        Finite(writer, "bytesPerSecond", rate.BytesPerSecond);
        writer.WriteNumber("requestsPerItem", rate.RequestsPerItem);
        writer.WriteNumber("perRunSeconds", rate.PerRun.TotalSeconds);
        writer.WriteNumber("perAccountSeconds", rate.PerAccount.TotalSeconds);
        writer.WriteNumber("perContainerSeconds", rate.PerContainer.TotalSeconds);
        writer.WriteNumber("bytesWindowSeconds", rate.BytesWindow.TotalSeconds);
        writer.WriteNumber("itemsWindowSeconds", rate.RequestsWindow.TotalSeconds);
        writer.WriteString("status", (outcome.Choice?.Status ?? RateStatus.Assumed).ToString().ToLowerInvariant());
        writer.WriteString("source", outcome.Choice?.Source ?? string.Empty);
        writer.WriteString("basis", outcome.Choice?.Basis ?? rate.Basis);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static double Round(double value) => Math.Round(value, 3);

    private static void Finite(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, Round(value));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static void Nullable(Utf8JsonWriter writer, string name, int? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
