using CommunityScale.Chat;
using CommunityScale.Errors;
using CommunityScale.Posting;

namespace CommunityScale.Grains.Tests;

[Trait("Area", "Chat")]
public sealed class DomainRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Rate_limiter_allows_the_limit_then_refuses_until_the_window_slides()
    {
        var limiter = new SlidingWindowRateLimiter(5, TimeSpan.FromSeconds(5));
        for (var i = 0; i < 5; i++)
        {
            Assert.True(limiter.TryAcquire("ann", T0.AddMilliseconds(i * 100), out _));
        }

        Assert.False(limiter.TryAcquire("ann", T0.AddSeconds(1), out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(4), retryAfter);
        Assert.True(limiter.TryAcquire("bob", T0.AddSeconds(1), out _));
        Assert.True(limiter.TryAcquire("ann", T0.AddSeconds(5), out _));
        Assert.False(limiter.TryAcquire("ann", T0.AddSeconds(5.05), out _));
    }

    [Fact]
    public void Rate_limiter_forgets_idle_keys()
    {
        var limiter = new SlidingWindowRateLimiter(5, TimeSpan.FromSeconds(5));
        limiter.TryAcquire("ann", T0, out _);
        limiter.TryAcquire("bob", T0.AddSeconds(4), out _);
        limiter.Prune(T0.AddSeconds(6));
        Assert.Equal(1, limiter.TrackedKeys);
    }

    [Fact]
    public void Rate_limiter_memory_stays_bounded_as_members_come_and_go()
    {
        var limiter = new SlidingWindowRateLimiter(5, TimeSpan.FromSeconds(5));
        for (var i = 0; i < 3 * SlidingWindowRateLimiter.PruneAbove; i++)
        {
            Assert.True(limiter.TryAcquire($"fan-{i}", T0.AddMilliseconds(i), out _));
        }

        // Each fan sent once, a millisecond apart: at most a window's worth (5,000) plus one pruning period are kept.
        Assert.True(limiter.TrackedKeys <= SlidingWindowRateLimiter.PruneAbove, $"{limiter.TrackedKeys} keys tracked");
    }

    [Fact]
    public void Deduplicator_returns_the_first_ack_and_forgets_the_oldest_beyond_capacity()
    {
        var dedupe = new SendDeduplicator(2);
        dedupe.Remember(Message(1, "ann", "a"));
        dedupe.Remember(Message(2, "ann", "b"));
        dedupe.Remember(Message(3, "bob", "a"));

        Assert.False(dedupe.TryGet(SendKey.Of("ann", "a"), out _));
        Assert.True(dedupe.TryGet(SendKey.Of("ann", "b"), out var ack));
        Assert.Equal(2, ack.Seq);
        Assert.True(dedupe.TryGet(SendKey.Of("bob", "a"), out ack));
        Assert.Equal(3, ack.Seq);
        Assert.Equal(2, dedupe.Count);
    }

    [Fact]
    public void Deduplicator_returns_the_first_message_id_exactly_and_tells_apart_keys_that_concatenate_alike()
    {
        var dedupe = new SendDeduplicator(16);
        var made = Guid.NewGuid().ToString("n");
        var longAuthor = new string('u', 300);
        dedupe.Remember(Message(1, "ab", "c") with { MessageId = made });
        dedupe.Remember(Message(2, "a", "bc") with { MessageId = "imported-42" });
        dedupe.Remember(Message(3, "ann", "x") with { MessageId = made.ToUpperInvariant() });
        dedupe.Remember(Message(4, longAuthor, "x"));

        Assert.True(dedupe.TryGet(SendKey.Of("ab", "c"), out var ack));
        Assert.Equal((1, made), (ack.Seq, ack.MessageId));
        Assert.True(dedupe.TryGet(SendKey.Of("a", "bc"), out ack));
        Assert.Equal((2, "imported-42"), (ack.Seq, ack.MessageId));
        Assert.True(dedupe.TryGet(SendKey.Of("ann", "x"), out ack));
        Assert.Equal(made.ToUpperInvariant(), ack.MessageId);
        Assert.True(dedupe.TryGet(SendKey.Of(longAuthor, "x"), out ack));
        Assert.Equal((4, "m4"), (ack.Seq, ack.MessageId));
        Assert.False(dedupe.TryGet(SendKey.Of("abc", ""), out _));
        Assert.False(dedupe.TryGet(SendKey.Of("ann", "X"), out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\n\t")]
    [InlineData(null)]
    public void Blank_text_is_invalid(string? text)
    {
        var ex = Assert.Throws<CommunityException>(() => MessageRules.RequireText(text, 10));
        Assert.Equal(ErrorCodes.Invalid, ex.Code);
    }

    [Fact]
    public void Text_over_the_limit_is_too_long_and_at_the_limit_is_fine()
    {
        Assert.Equal(new string('x', 10), MessageRules.RequireText(new string('x', 10), 10));
        var ex = Assert.Throws<CommunityException>(() => MessageRules.RequireText(new string('x', 11), 10));
        Assert.Equal(ErrorCodes.TooLong, ex.Code);
        Assert.Contains("10", ex.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fans", true)]
    [InlineData("a-1", true)]
    [InlineData("Fans", false)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    [InlineData("ü", false)]
    public void Ids_must_be_lowercase_letters_digits_and_dashes(string id, bool valid)
    {
        Assert.Equal(valid, InputRules.IsValidId(id));
        Assert.False(InputRules.IsValidId(new string('a', 65)));
        Assert.True(InputRules.IsValidId(new string('a', 64)));
    }

    [Fact]
    public void Paging_and_client_message_id_bounds_are_checked()
    {
        Assert.Equal(ErrorCodes.Invalid, Assert.Throws<CommunityException>(() => InputRules.RequireAfterSeq(-1)).Code);
        Assert.Equal(0, InputRules.RequireAfterSeq(null));
        Assert.Equal(ErrorCodes.Invalid, Assert.Throws<CommunityException>(() => InputRules.RequireLimit(0, 50)).Code);
        Assert.Equal(ErrorCodes.Invalid, Assert.Throws<CommunityException>(() => InputRules.RequireLimit(201, 50)).Code);
        Assert.Equal(200, InputRules.RequireLimit(200, 50));
        Assert.Equal(ErrorCodes.Invalid, Assert.Throws<CommunityException>(() => InputRules.RequireClientMessageId("")).Code);
        Assert.Equal(ErrorCodes.Invalid, Assert.Throws<CommunityException>(() => InputRules.RequireClientMessageId(new string('c', 65))).Code);
    }

    [Fact]
    public void History_layout_maps_seq_to_pages()
    {
        var layout = new HistoryLayout(100);
        Assert.Equal(0, layout.PageIndexOf(1));
        Assert.Equal(0, layout.PageIndexOf(100));
        Assert.Equal(1, layout.PageIndexOf(101));
        Assert.Equal(201, layout.FirstSeqOf(2));
    }

    private static ChatMessage Message(long seq, string author, string clientMessageId) =>
        new("c", "ch", seq, $"m{seq}", author, author, "hi", T0, clientMessageId);
}
