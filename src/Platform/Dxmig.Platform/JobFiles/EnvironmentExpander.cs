using System.Text;

namespace Dxmig.Platform.JobFiles;

/// <summary>
/// Expands <c>${VAR}</c> and <c>${VAR:-default}</c> from the environment in job-file values; <c>$$</c> stands for a
/// literal <c>$</c>.
/// </summary>
public static class EnvironmentExpander
{
    /// <summary>Expands a value; names of unset variables without a default are reported through <paramref name="missing"/>.</summary>
    public static string Expand(string value, Func<string, string?> lookup, Action<string> missing)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(lookup);
        ArgumentNullException.ThrowIfNull(missing);
        if (!value.Contains('$', StringComparison.Ordinal))
        {
            return value;
        }

        var result = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c != '$' || i + 1 >= value.Length)
            {
                result.Append(c);
                continue;
            }

            if (value[i + 1] == '$')
            {
                result.Append('$');
                i++;
                continue;
            }

            if (value[i + 1] != '{')
            {
                result.Append(c);
                continue;
            }

            var end = value.IndexOf('}', i + 2);
            if (end < 0)
            {
                result.Append(value, i, value.Length - i);
                break;
            }

            var body = value[(i + 2)..end];
            string name;
            string? fallback = null;
            var split = body.IndexOf(":-", StringComparison.Ordinal);
            if (split >= 0)
            {
                name = body[..split];
                fallback = body[(split + 2)..];
            }
            else
            {
                name = body;
            }

            var found = lookup(name);
            if (string.IsNullOrEmpty(found))
            {
                if (fallback is null)
                {
                    missing(name);
                    found = string.Empty;
                }
                else
                {
                    found = fallback;
                }
            }

            result.Append(found);
            i = end;
        }

        return result.ToString();
    }
}
