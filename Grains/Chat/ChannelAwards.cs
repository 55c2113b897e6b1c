using CommunityScale.Communities;
using CommunityScale.Gamification;
using CommunityScale.Integrations;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Posting;
using Microsoft.Extensions.Logging;

namespace CommunityScale.Chat;

/// <summary>
/// The follow-ups of accepted chat messages: points, trust and the <c>message.accepted</c> webhook. Their outbox is the
/// channel's journalled tail: every message after <see cref="ChannelState.ActivityThroughSeq"/> is owed, so recording
/// them costs nothing beyond the message's own journal row. They go out in rounds after the acks (a send never waits
/// for them): a round carries everything accepted since the previous one, one hand-over per author (the points grain
/// awards at once, then stores the awards and passes the trust count on together with what other channels handed it
/// meanwhile, and the round waits for that write), and a new round starts at most once per
/// <see cref="ChatOptions.AwardRoundInterval"/>. Rounds run one after another, so the cursor only passes messages whose
/// follow-ups were taken. The cursor is a checkpoint written behind, with the channel's other writes (compaction, a
/// change, deactivation), and a page is only sealed once the cursor has passed it: after a crash the next activation
/// (the outbox's reminder brings it back) hands over again what the last checkpoint had not passed, and every receiver
/// ignores what it already has (trust by channel seq, points by source id).
/// </summary>
public sealed partial class ChannelAwards(
    IGrainFactory grains, ChannelKey key, Func<ChannelState> state, Func<IReadOnlyList<ChatMessage>> tail, Sentiment.SentimentScorer sentiment, ChatOptions options,
    TimeProvider clock, ILogger logger)
{
    private const int MaxRound = 2_000;
    private readonly List<ChatMessage> _waiting = [];
    private readonly TaskCompletionSource _now = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _rounds = Task.CompletedTask;
    private DateTimeOffset _lastRound = DateTimeOffset.MinValue;
    private long _failedFrom = long.MaxValue;
    private bool _stopped;

    private ChannelState S => state();

    /// <summary>The trust thresholds in force and whether any webhook wants accepted messages (refreshed with the policy).</summary>
    public IReadOnlyList<TrustThreshold> TrustLevels { get; set; } = ModerationPolicy.DefaultTrustLevels;

    public bool WebhooksWanted { get; set; }

    /// <summary>Called when the cursor has moved on (a page waiting for its follow-ups may now be sealed).</summary>
    public Action? Passed { get; set; }

    /// <summary>The round in flight (a take-back waits for it, so it never overtakes the award it takes back).</summary>
    public Task InFlight => _stopped ? Task.CompletedTask : _rounds;

    /// <summary>Whether accepted messages still wait for their follow-ups.</summary>
    public bool Owed => S.ActivityThroughSeq < S.LastSeq;

    /// <summary>On activation, or on the outbox reminder's tick: what the cursor has not passed is handed over again.</summary>
    public void Resume()
    {
        if (_rounds.IsCompleted)
        {
            // Everything past the cursor goes again, so a round that failed is in this one: the cursor may pass it once
            // this one succeeds. (Before, the cursor stayed below a failure for the rest of the activation, and every
            // reminder tick handed the whole tail past it over again.)
            _failedFrom = long.MaxValue;
            Add([.. tail().Where(m => m.Seq > S.ActivityThroughSeq && !m.Removed)]);
        }
    }

    public void Add(IReadOnlyList<ChatMessage> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }

        _waiting.AddRange(messages);
        if (_rounds.IsCompleted)
        {
            _rounds = Rounds();
        }
    }

    /// <summary>A message removed before its round earns nothing: it leaves the waiting list (true if it was there).</summary>
    public bool Withdraw(long seq) => _waiting.RemoveAll(m => m.Seq == seq) > 0;

    /// <summary>An erased member's waiting messages are dropped.</summary>
    public void Forget(string userId) => _waiting.RemoveAll(m => m.AuthorId == userId);

    /// <summary>Waiting messages are handed over before the activation goes (the caller then stores the cursor).</summary>
    public async Task Deactivating(CancellationToken cancellationToken)
    {
        _now.TrySetResult();
        await _rounds.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The activation goes without waiting for its round (its silo shuts down, or the silo that held its directory entry
    /// left or died): the cursor stays where it was stored, a round still in flight changes nothing here any more, and
    /// the next activation hands over again what the cursor has not passed (the receivers ignore what they already
    /// have). Waiting would hold every send to this channel for as long as the points grains take to answer, and while
    /// a silo leaves those are often going or gone too: a drain measured 5.8 s of grain deactivation, each channel
    /// waiting out the 5-s response timeout, and the survivor's channels waited 5-10 s after a silo's SIGTERM or SIGKILL.
    /// </summary>
    public void Stop()
    {
        _stopped = true;
        _waiting.Clear();
    }

    private async Task Rounds()
    {
        while (_waiting.Count > 0 && !_stopped)
        {
            var wait = _lastRound + options.AwardRoundInterval - clock.GetUtcNow();
            if (wait > TimeSpan.Zero && !_now.Task.IsCompleted)
            {
                await Task.WhenAny(Task.Delay(wait, clock), _now.Task);
            }

            if (_waiting.Count == 0)
            {
                // Everything that waited was removed during the wait (Withdraw): there is nothing to hand over. Going on
                // would index an empty round and fault the rounds, and the outbox, which waits for them before it
                // delivers, would then hold a removal's archive and notices until the channel's next accepted message.
                continue;
            }

            _lastRound = clock.GetUtcNow();
            var round = _waiting.GetRange(0, Math.Min(_waiting.Count, MaxRound));
            _waiting.RemoveRange(0, round.Count);
            try
            {
                // All authors side by side: each call waits for its points grain's gathered write, and those waits
                // overlap, so a round of a thousand authors takes one Points:WriteDelay. The channel is reentrant: its
                // own writes never queue behind them.
                await Task.WhenAll(round.GroupBy(m => m.AuthorId, StringComparer.Ordinal).Select(HandOver));
                if (_stopped)
                {
                    return;
                }

                if (WebhooksWanted)
                {
                    // The event id is the message's, so a round handed over again is dropped by the endpoints.
                    await grains.GetGrain<IWebhookRegistryGrain>(key.CommunityId).Hand(
                        [.. round.Select(m => new WebhookEvent($"{key}#{m.MessageId}", WebhookEventKinds.MessageAccepted, key.CommunityId, m.SentAt, WebhookPayload.Data(m), key.ChannelId))]);
                }

                // Never past a round that failed: the next activation hands those messages over again.
                S.ActivityThroughSeq = Math.Max(S.ActivityThroughSeq, Math.Min(round[^1].Seq, _failedFrom - 1));
                Passed?.Invoke();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _failedFrom = Math.Min(_failedFrom, round[0].Seq);
                LogAwardFailed(logger, ex, key.ToString(), round[0].Seq);
            }
        }
    }

    // One call per author per round, answered once the points grain's gathered write (which carries what other channels
    // handed it meanwhile, and the trust count) has stored it: the cursor only passes what is stored.
    // Each message is scored for the KPIs' sentiment here, after its ack, and only its label rides along (counted with
    // the KPI deltas the points grain reports per write anyway); a round handed over again scores again, and the points
    // grain drops repeats.
    private Task HandOver(IGrouping<string, ChatMessage> byAuthor) =>
        grains.MemberPoints(key.CommunityId, byAuthor.Key).AwardMessages(key.ChannelId, [.. byAuthor.Select(m => m.Seq)], byAuthor.Last().SentAt, TrustLevels,
            [.. byAuthor.Select(m => new ActivityEvent(SourceIds.ChatMessage(m.MessageId), key.CommunityId, m.AuthorId, m.AuthorName, ActionKinds.MessageAccepted, m.SentAt, key.ChannelId,
                Sentiment: sentiment.Label(m.Text), Seq: m.Seq))]);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handing messages from seq {Seq} of channel {Channel} to gamification failed; will retry on the next activation")]
    private static partial void LogAwardFailed(ILogger logger, Exception ex, string channel, long seq);
}
