using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Options;
using CommunityScale.Streams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Orleans.Streams;

namespace CommunityScale.Chat;

[GenerateSerializer, Alias("cs.ChannelState")]
public sealed class ChannelState
{
    [Id(0)] public ChannelInfo? Info { get; set; }

    [Id(1)] public long LastSeq { get; set; }

    /// <summary>Every message with a seq up to this one is in a sealed history page.</summary>
    [Id(2)] public long SealedThroughSeq { get; set; }

    /// <summary>Messages SealedThroughSeq+1 .. LastSeq, in order. Bounded: it never exceeds two pages.</summary>
    [Id(3)] public List<ChatMessage> Tail { get; set; } = [];

    [Id(4)] public int PageSize { get; set; }
}

/// <summary>
/// The one place a chat message is accepted: validates, deduplicates, checks membership and rate, assigns the next
/// gap-free seq, stores, then publishes once on the channel stream. The ack returns only after the store.
/// </summary>
public sealed partial class ChannelGrain(
    [PersistentState("channel", StorageNames.Main)] IPersistentState<ChannelState> state,
    IOptions<ChatOptions> options,
    TimeProvider clock,
    ILogger<ChannelGrain> logger) : Grain, IChannelGrain
{
    private readonly ChatOptions _options = options.Value;
    private readonly Dictionary<string, DateTimeOffset> _membershipCheckedUntil = new(StringComparer.Ordinal);
    private SlidingWindowRateLimiter _rateLimiter = null!;
    private SendDeduplicator _dedupe = null!;
    private IAsyncStream<ChannelStreamEvent> _stream = null!;
    private ChannelKey _key;

    // The last seq known to be in storage. Reads interleave with a send's write and must never show more than this.
    private long _committedSeq;

    private ChannelState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ChannelKey.Parse(this.GetPrimaryKeyString());
        _rateLimiter = new SlidingWindowRateLimiter(_options.RateLimitCount, _options.RateLimitWindow);
        _dedupe = new SendDeduplicator(_options.DedupeCapacity);
        _committedSeq = S.LastSeq;
        foreach (var message in S.Tail)
        {
            _dedupe.Remember(message);
        }

        _stream = this.GetStreamProvider(StreamNames.Provider).GetStream<ChannelStreamEvent>(StreamNames.ForChannel(_key));
        return Task.CompletedTask;
    }

    public async Task Create(ChannelInfo info)
    {
        if (S.Info is not null)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, $"Channel '{_key.ChannelId}' already exists.");
        }

        S.Info = info;
        S.PageSize = _options.HistoryPageSize;
        await state.WriteStateAsync();
    }

    public Task<ChannelInfo> GetInfo() => Task.FromResult(RequireInfo());

    public async Task<SendAck> Send(SendMessageCommand command)
    {
        var info = RequireInfo();
        var text = MessageRules.RequireText(command.Text, info.MaxMessageLength);
        var clientMessageId = InputRules.RequireClientMessageId(command.ClientMessageId);
        if (_dedupe.TryGet(command.AuthorId, clientMessageId, out var earlier))
        {
            return earlier;
        }

        var now = clock.GetUtcNow();
        await RequireMembership(command.AuthorId, now);
        if (!_rateLimiter.TryAcquire(command.AuthorId, now, out var retryAfter))
        {
            throw new CommunityException(ErrorCodes.RateLimited,
                $"At most {_options.RateLimitCount} messages per {_options.RateLimitWindow.TotalSeconds:0.#} s; try again in {Math.Ceiling(retryAfter.TotalSeconds):0} s.");
        }

        var message = new ChatMessage(_key.CommunityId, _key.ChannelId, S.LastSeq + 1, Guid.NewGuid().ToString("n"),
            command.AuthorId, command.AuthorName, text, now, clientMessageId);
        await Commit(message);

        try
        {
            await _stream.OnNextAsync(new MessagePosted(message));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Live delivery may drop an event; gateways and clients fill the gap from history, so the ack stands.
            LogPublishFailed(logger, ex, _key.ToString(), message.Seq);
        }

        await SealFullPages();
        return new SendAck(message.Seq, message.MessageId);
    }

    public async Task<HistoryPage> GetHistory(long afterSeq, int limit)
    {
        RequireInfo();
        // Snapshot first: this call interleaves with sends, and only what is committed may be read.
        var lastSeq = _committedSeq;
        var sealedThrough = S.SealedThroughSeq;
        var tail = S.Tail.ToArray();
        var layout = new HistoryLayout(S.PageSize);

        var from = Math.Max(afterSeq, 0) + 1;
        var to = Math.Min(lastSeq, Math.Max(afterSeq, 0) + limit);
        var result = new List<ChatMessage>((int)Math.Max(0, to - from + 1));
        var seq = from;
        while (seq <= to && seq <= sealedThrough)
        {
            var pageIndex = layout.PageIndexOf(seq);
            var page = await GrainFactory.GetGrain<IHistoryPageGrain>(HistoryLayout.PageKey(_key, pageIndex)).Read();
            foreach (var message in page)
            {
                if (message.Seq >= seq && message.Seq <= to)
                {
                    result.Add(message);
                }
            }

            seq = layout.FirstSeqOf(pageIndex + 1);
        }

        foreach (var message in tail)
        {
            if (message.Seq >= seq && message.Seq <= to)
            {
                result.Add(message);
            }
        }

        return new HistoryPage(lastSeq, result, to < lastSeq);
    }

    public Task<HistoryPage> GetRecent(int count) => GetHistory(Math.Max(0, _committedSeq - count), count);

    public Task<long> GetLastSeq() => Task.FromResult(_committedSeq);

    private ChannelInfo RequireInfo() => S.Info ?? throw CommunityException.NotFound($"Channel '{_key}'");

    private async Task RequireMembership(string userId, DateTimeOffset now)
    {
        if (_membershipCheckedUntil.TryGetValue(userId, out var until) && until > now)
        {
            return;
        }

        var member = await GrainFactory.GetGrain<IMemberGrain>(MemberKey.For(_key.CommunityId, userId)).Get();
        if (member is null)
        {
            throw new CommunityException(ErrorCodes.NotMember, $"Join community '{_key.CommunityId}' before sending messages in it.");
        }

        if (_membershipCheckedUntil.Count > 10_000)
        {
            _membershipCheckedUntil.Clear();
            _rateLimiter.Prune(now);
        }

        _membershipCheckedUntil[userId] = now + _options.MembershipCacheDuration;
    }

    /// <summary>Stores the message; on failure leaves memory exactly as storage has it and rethrows, so nothing is acked.</summary>
    private async Task Commit(ChatMessage message)
    {
        S.Tail.Add(message);
        S.LastSeq = message.Seq;
        _dedupe.Remember(message);
        try
        {
            await state.WriteStateAsync();
            _committedSeq = message.Seq;
        }
        catch (Exception ex)
        {
            S.Tail.RemoveAt(S.Tail.Count - 1);
            S.LastSeq = message.Seq - 1;
            _dedupe.Forget(message);
            LogWriteFailed(logger, ex, _key.ToString(), message.Seq);
            if (ex is InconsistentStateException)
            {
                // Another activation wrote this channel: this one's state is stale, so let a fresh activation take over.
                DeactivateOnIdle();
            }

            throw new CommunityException(ErrorCodes.Unavailable, "The message could not be stored; retry with the same clientMessageId.");
        }
    }

    /// <summary>
    /// Moves the oldest full page out of the tail once the tail holds two pages. The page is written before the tail
    /// shrinks, and sealing the same page twice is harmless, so a crash between the two writes loses nothing.
    /// </summary>
    private async Task SealFullPages()
    {
        if (S.Tail.Count < 2 * S.PageSize)
        {
            return;
        }

        var layout = new HistoryLayout(S.PageSize);
        var page = S.Tail.GetRange(0, S.PageSize);
        var pageIndex = layout.PageIndexOf(page[0].Seq);
        try
        {
            await GrainFactory.GetGrain<IHistoryPageGrain>(HistoryLayout.PageKey(_key, pageIndex)).Seal(page);
            S.Tail.RemoveRange(0, S.PageSize);
            S.SealedThroughSeq = page[^1].Seq;
            await state.WriteStateAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The messages are already durable in the tail; sealing is retried after the next send.
            LogSealFailed(logger, ex, _key.ToString(), pageIndex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing seq {Seq} on channel {Channel} failed; gateways will fill the gap from history")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex, string channel, long seq);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing seq {Seq} on channel {Channel} failed; the send was refused")]
    private static partial void LogWriteFailed(ILogger logger, Exception ex, string channel, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sealing page {Page} of channel {Channel} failed; will retry")]
    private static partial void LogSealFailed(ILogger logger, Exception ex, string channel, long page);
}
