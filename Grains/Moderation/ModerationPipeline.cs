using CommunityScale.Errors;

namespace CommunityScale.Moderation;

/// <summary>What one step decided: nothing to say (pass), or refuse with a stable code and a reason, or hold for review.</summary>
public sealed record Verdict(string Code, string Reason, string Step)
{
    /// <summary>Not refused but held: the message waits in the review queue for a moderator.</summary>
    public bool Hold { get; init; }
}

/// <summary>A message on its way in: who sends it, how trusted they are, the text, and when.</summary>
public sealed record ModerationInput(string AuthorId, int TrustLevel, string Text, DateTimeOffset Now)
{
    /// <summary>Moderators and above: slow mode does not apply to them.</summary>
    public bool Privileged { get; init; }

    private string? _normalized;

    /// <summary>The text as <see cref="TextNormalizer"/> sees it, computed once for every step that needs it.</summary>
    public string Normalized => _normalized ??= TextNormalizer.Normalize(Text);
}

/// <summary>One ordered check of the pipeline. Steps are pure apart from the memory they keep of accepted messages.</summary>
public interface IModerationStep
{
    string Name { get; }

    Verdict? Evaluate(ModerationInput input);

    /// <summary>The message passed every step and was accepted (slow mode and duplicate control remember it).</summary>
    void Accepted(ModerationInput input)
    {
    }
}

/// <summary>
/// The automatic moderation a channel runs before it accepts a message: the steps in order, the first refusal wins.
/// Owned by one channel grain (single-threaded); rebuilt when the community's policy or the channel's settings change.
/// </summary>
public sealed class ModerationPipeline(IReadOnlyList<IModerationStep> steps)
{
    public IReadOnlyList<IModerationStep> Steps { get; } = steps;

    public static ModerationPipeline Build(ModerationPolicy policy, int slowModeSeconds, int rateLimitCount, TimeSpan rateLimitWindow, Classifier.IMessageClassifier? classifier = null) => new(
    [
        new SlowModeStep(TimeSpan.FromSeconds(slowModeSeconds)),
        new FloodControlStep(rateLimitCount, rateLimitWindow),
        new DuplicateStep(TimeSpan.FromSeconds(policy.DuplicateWindowSeconds)),
        .. ContentSteps(policy, classifier),
    ]);

    /// <summary>Only the rules about what a text says (terms, links, mentions, the classifier): for edits, which are not new sends.</summary>
    public static ModerationPipeline BuildContentRules(ModerationPolicy policy, Classifier.IMessageClassifier? classifier = null) => new(ContentSteps(policy, classifier));

    private static IReadOnlyList<IModerationStep> ContentSteps(ModerationPolicy policy, Classifier.IMessageClassifier? classifier) =>
    [
        new BlockedTermsStep(new TermMatcher(policy.BlockedTerms, policy.AllowedWords)),
        new LinkPolicyStep(policy.AllowedLinkDomains, policy.DeniedLinkDomains, policy.MinTrustLevelForLinks),
        new MentionFloodStep(policy.MaxMentions),
        new ClassifierStep(classifier, policy.ClassifierThreshold, policy.HoldInsteadOfRefuse),
    ];

    /// <summary>Runs the steps; null means the message may be accepted (then call <see cref="Accepted"/>).</summary>
    public Verdict? Evaluate(ModerationInput input)
    {
        foreach (var step in Steps)
        {
            if (step.Evaluate(input) is { } verdict)
            {
                return verdict;
            }
        }

        return null;
    }

    public void Accepted(ModerationInput input)
    {
        foreach (var step in Steps)
        {
            step.Accepted(input);
        }
    }

    /// <summary>Carries the steps' memory (slow mode, duplicates, flood) over to a pipeline built from a new policy.</summary>
    public ModerationPipeline CarryMemoryFrom(ModerationPipeline? previous)
    {
        if (previous is null)
        {
            return this;
        }

        foreach (var step in Steps)
        {
            if (step is IRemembering remembering && previous.Steps.FirstOrDefault(s => s.GetType() == step.GetType()) is IRemembering old)
            {
                remembering.TakeMemory(old);
            }
        }

        return this;
    }
}

/// <summary>A step that keeps memory of accepted messages, handed over when the pipeline is rebuilt.</summary>
public interface IRemembering
{
    void TakeMemory(IRemembering previous);
}

/// <summary>Slow mode: one message per member per interval; the reason says how many seconds are left.</summary>
public sealed class SlowModeStep(TimeSpan interval) : IModerationStep, IRemembering
{
    private Dictionary<string, DateTimeOffset> _last = new(StringComparer.Ordinal);

    public string Name => "slow_mode";

    public Verdict? Evaluate(ModerationInput input)
    {
        if (interval <= TimeSpan.Zero || input.Privileged || !_last.TryGetValue(input.AuthorId, out var last) || input.Now - last >= interval)
        {
            return null;
        }

        var left = Math.Ceiling((interval - (input.Now - last)).TotalSeconds);
        return new Verdict(ErrorCodes.SlowMode, $"Slow mode is on: one message every {interval.TotalSeconds:0} s; {left:0} s left.", Name);
    }

    public void Accepted(ModerationInput input)
    {
        if (interval > TimeSpan.Zero)
        {
            if (_last.Count > 10_000)
            {
                var cutoff = input.Now - interval;
                _last = _last.Where(kv => kv.Value > cutoff).ToDictionary(StringComparer.Ordinal);
            }

            _last[input.AuthorId] = input.Now;
        }
    }

    public void TakeMemory(IRemembering previous) => _last = ((SlowModeStep)previous)._last;
}

/// <summary>Flood control: at most N messages per window per member (the member rate limit).</summary>
public sealed class FloodControlStep(int limit, TimeSpan window) : IModerationStep, IRemembering
{
    private Posting.SlidingWindowRateLimiter _limiter = new(limit, window);

    public string Name => "flood";

    public Verdict? Evaluate(ModerationInput input) =>
        _limiter.TryAcquire(input.AuthorId, input.Now, out var retryAfter)
            ? null
            : new Verdict(ErrorCodes.RateLimited, $"At most {limit} messages per {window.TotalSeconds:0.#} s; try again in {Math.Ceiling(retryAfter.TotalSeconds):0} s.", Name);

    public void TakeMemory(IRemembering previous) => _limiter = ((FloodControlStep)previous)._limiter;
}

/// <summary>Duplicate control: the same (normalized) text from the same member within the window is refused.</summary>
public sealed class DuplicateStep(TimeSpan window) : IModerationStep, IRemembering
{
    private Dictionary<string, (string Text, DateTimeOffset At)> _lastText = new(StringComparer.Ordinal);

    public string Name => "duplicate";

    public Verdict? Evaluate(ModerationInput input) =>
        window > TimeSpan.Zero && _lastText.TryGetValue(input.AuthorId, out var last) && input.Now - last.At < window && last.Text == input.Normalized
            ? new Verdict(ErrorCodes.BlockedContent, $"You sent the same message {Math.Floor((input.Now - last.At).TotalSeconds):0} s ago.", Name)
            : null;

    public void Accepted(ModerationInput input)
    {
        if (_lastText.Count > 10_000)
        {
            var cutoff = input.Now - window;
            _lastText = _lastText.Where(kv => kv.Value.At > cutoff).ToDictionary(StringComparer.Ordinal);
        }

        _lastText[input.AuthorId] = (input.Normalized, input.Now);
    }

    public void TakeMemory(IRemembering previous) => _lastText = ((DuplicateStep)previous)._lastText;
}

/// <summary>Blocked terms, compiled: one pass over the normalized text whatever the size of the list.</summary>
public sealed class BlockedTermsStep(TermMatcher matcher) : IModerationStep
{
    public string Name => "blocked_terms";

    public Verdict? Evaluate(ModerationInput input) =>
        matcher.TermCount > 0 && matcher.FindBlockedInNormalized(input.Normalized) is not null
            ? new Verdict(ErrorCodes.BlockedContent, "The message contains a term this community does not allow.", Name)
            : null;
}

/// <summary>
/// Too many @mentions in one message (mention spam). The limit relaxes with trust: each trust level allows
/// <see cref="ExtraPerTrustLevel"/> more, since established members organise and greet groups, and spammers are new.
/// <c>@everyone</c> and <c>@here</c> are not counted: the limit is about naming members one by one, and a mention of
/// everybody is governed by its own permission (granted, it is one deliberate ping the role was trusted with; not
/// granted, it pings nobody), so neither refusing nor excusing it here would add anything.
/// </summary>
public sealed partial class MentionFloodStep(int maxMentions) : IModerationStep
{
    public const int ExtraPerTrustLevel = 2;

    public string Name => "mention_flood";

    public Verdict? Evaluate(ModerationInput input)
    {
        var mentions = Mention().Matches(input.Text).Select(m => m.Value[1..]).Where(id => !Posting.EveryoneMention.IsReserved(id))
            .Distinct(StringComparer.OrdinalIgnoreCase).Count();
        var allowed = maxMentions + (ExtraPerTrustLevel * Math.Clamp(input.TrustLevel, 0, 4));
        return mentions > allowed
            ? new Verdict(ErrorCodes.BlockedContent, $"The message mentions {mentions} members; at most {allowed} are allowed at your trust level.", Name)
            : null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![\w@])@[a-z0-9-]{1,64}\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Mention();
}

/// <summary>
/// The trained classifier: a spam score or an abuse score at or above the community's threshold refuses the message
/// (<c>blocked_content</c>), and the reason says which. Both scores put their validated operating point at 0.5.
/// </summary>
public sealed class ClassifierStep(Classifier.IMessageClassifier? classifier, double threshold, bool hold = false) : IModerationStep
{
    public string Name => "classifier";

    public Verdict? Evaluate(ModerationInput input)
    {
        if (classifier is null || threshold <= 0 || input.Privileged)
        {
            return null;
        }

        var scores = classifier.Score(input.Text);
        if (scores.Score < threshold)
        {
            return null;
        }

        var (kind, score) = scores.Spam >= scores.Abuse ? ("spam", scores.Spam) : ("abuse", scores.Abuse);
        return new Verdict(ErrorCodes.BlockedContent, $"The message looks like {kind} (score {score:0.00}, this community's limit is {threshold:0.00}).", Name) { Hold = hold };
    }
}
