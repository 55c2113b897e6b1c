using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR;

namespace CommunityScale.Chaos;

/// <summary>Everything the run observed, stamped with seconds since the load started.</summary>
internal sealed partial class Recorder
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentDictionary<string, long> _maxAckedSeq = new(StringComparer.Ordinal);

    public double Now => _clock.Elapsed.TotalSeconds;

    /// <summary>Time 0 of every record: the moment the load starts (setting up the clients is not part of the run).</summary>
    public void StartClock() => _clock.Restart();

    public ConcurrentQueue<AckRecord> Acks { get; } = new();

    public ConcurrentQueue<ErrorRecord> Errors { get; } = new();

    public ConcurrentQueue<RssSample> Rss { get; } = new();

    public long Unacked;

    public void Acked(AckRecord ack)
    {
        Acks.Enqueue(ack);
        if (!ack.Held)
        {
            _maxAckedSeq.AddOrUpdate(ack.Channel, ack.Seq, (_, old) => Math.Max(old, ack.Seq));
        }
    }

    /// <summary>Per channel, the highest seq acked so far: what every listener must reach.</summary>
    public IReadOnlyDictionary<string, long> MaxAckedSeq() => new Dictionary<string, long>(_maxAckedSeq, StringComparer.Ordinal);

    /// <summary>
    /// A refusal carries its code (docs/api.md, "Errors": the client sees "… HubException: code: reason"); anything else
    /// (a dropped connection, a timeout) is the transport, not a refusal, and is counted by its kind.
    /// </summary>
    public void Failed(string sender, Exception ex)
    {
        var (kind, code) = ex switch
        {
            HubException hub when RefusalCode().Match(hub.Message) is { Success: true } m => ("refusal", m.Groups[1].Value),
            HubException hub => ("refusal", "(no code) " + hub.Message[..Math.Min(120, hub.Message.Length)]),
            OperationCanceledException => ("transport", "timeout"),
            _ => ("transport", ex.GetType().Name),
        };
        Errors.Enqueue(new ErrorRecord(Now, sender, kind, code));
    }

    [GeneratedRegex(@"HubException: ([a-z_]+): ")]
    private static partial Regex RefusalCode();
}

internal sealed record AckRecord(string Sender, string Channel, string ClientMessageId, long Seq, string MessageId, bool Held, double FirstAttemptAt, double AckAt, int Attempts);

internal sealed record ErrorRecord(double At, string Sender, string Kind, string Code);

/// <summary>One process's RSS; for a gateway also how many of the run's clients were connected to it then.</summary>
internal sealed record RssSample(double At, string Process, int Pid, long Bytes, int? Connections = null);
