using System.Collections.Concurrent;

namespace Dxmig.GraphEmulator;

/// <summary>Per app and mailbox throttling, changeable while the emulator runs (<see cref="Settings"/>).</summary>
public sealed class EmulatorThrottling
{
    private readonly ConcurrentDictionary<string, MailboxThrottle> _mailboxes = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private volatile ThrottlingSettings _settings;

    internal EmulatorThrottling(ThrottlingSettings settings, TimeProvider time)
    {
        _settings = settings;
        _time = time;
    }

    /// <summary>The limits in force; assigning takes effect for the next request.</summary>
    public ThrottlingSettings Settings
    {
        get => _settings;
        set => _settings = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Shorthand for switching throttling on and off.</summary>
    public bool Enabled
    {
        get => _settings.Enabled;
        set => _settings = _settings with { Enabled = value };
    }

    /// <summary>Forgets every window (not the requests in flight).</summary>
    public void ResetWindows()
    {
        foreach (var m in _mailboxes.Values)
        {
            m.ResetWindows();
        }
    }

    internal MailboxThrottle For(string mailboxId) => _mailboxes.GetOrAdd(mailboxId, _ => new MailboxThrottle());

    /// <summary>Admits a request for a mailbox or says why not. On success the caller owns a concurrency slot and must
    /// dispose the returned lease.</summary>
    internal ThrottleDecision TryEnter(string mailboxId, long uploadBytes)
    {
        var settings = _settings;
        var mailbox = For(mailboxId);
        return mailbox.TryEnter(settings, uploadBytes, _time.GetUtcNow());
    }
}

internal readonly record struct ThrottleDecision(IDisposable? Lease, string? Reason, int RetryAfterSeconds, int ConcurrencyNow)
{
    public bool Admitted => Lease is not null;
}

/// <summary>One mailbox's slots and sliding windows.</summary>
internal sealed class MailboxThrottle
{
    private readonly Lock _gate = new();
    private readonly Queue<DateTimeOffset> _requests = new();
    private readonly Queue<(DateTimeOffset At, long Bytes)> _uploads = new();
    private long _uploadSum;
    private int _inFlight;

    public void ResetWindows()
    {
        lock (_gate)
        {
            _requests.Clear();
            _uploads.Clear();
            _uploadSum = 0;
        }
    }

    public ThrottleDecision TryEnter(ThrottlingSettings s, long uploadBytes, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!s.Enabled)
            {
                _inFlight++;
                return new ThrottleDecision(new Lease(this), null, 0, _inFlight);
            }

            if (_inFlight >= s.MaxConcurrentRequests)
            {
                // Graph answers a concurrency overrun with 429 ApplicationThrottled and this message; it sends no
                // Retry-After the client could trust, so one second is given (the slot frees when a request ends).
                return new ThrottleDecision(null, "MailboxConcurrency", 1, _inFlight);
            }

            Trim(_requests, now - s.RequestWindow);
            while (_uploads.Count > 0 && _uploads.Peek().At <= now - s.UploadWindow)
            {
                _uploadSum -= _uploads.Dequeue().Bytes;
            }

            if (_requests.Count >= s.RequestLimit)
            {
                return new ThrottleDecision(null, "MailboxRequests", SecondsUntil(_requests.Peek() + s.RequestWindow, now), _inFlight);
            }

            if (uploadBytes > 0 && _uploadSum + uploadBytes > s.UploadByteLimit)
            {
                // Wait until enough of the window has slid out for this request to fit (or the whole window when a
                // single request is larger than the budget: it can never fit, which is what the service would say too).
                var needed = _uploadSum + uploadBytes - s.UploadByteLimit;
                var freeAt = now + s.UploadWindow;
                long freed = 0;
                foreach (var (at, bytes) in _uploads)
                {
                    freed += bytes;
                    if (freed >= needed)
                    {
                        freeAt = at + s.UploadWindow;
                        break;
                    }
                }

                return new ThrottleDecision(null, "IncomingBytes", SecondsUntil(freeAt, now), _inFlight);
            }

            // Only admitted requests count against the windows: whether rejected ones accrue is not documented, and
            // counting them would make the Retry-After this emulator sends a lie.
            _requests.Enqueue(now);
            if (uploadBytes > 0)
            {
                _uploads.Enqueue((now, uploadBytes));
                _uploadSum += uploadBytes;
            }

            _inFlight++;
            return new ThrottleDecision(new Lease(this), null, 0, _inFlight);
        }
    }

    private static void Trim(Queue<DateTimeOffset> q, DateTimeOffset cutoff)
    {
        while (q.Count > 0 && q.Peek() <= cutoff)
        {
            q.Dequeue();
        }
    }

    private static int SecondsUntil(DateTimeOffset at, DateTimeOffset now) =>
        Math.Max(1, (int)Math.Ceiling((at - now).TotalSeconds));

    private void Exit()
    {
        lock (_gate)
        {
            _inFlight--;
        }
    }

    private sealed class Lease(MailboxThrottle owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Exit();
            }
        }
    }
}
