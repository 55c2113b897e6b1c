using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Gamification;
using CommunityScale.Insights;
using CommunityScale.Integrations;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Privacy;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommunityScale.Events;

[GenerateSerializer, Alias("cs.SurveyState")]
public sealed class SurveyState
{
    [Id(0)] public Dictionary<string, SurveyAnswer> Answers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Who answered, in order, so the latest comments come first.</summary>
    [Id(1)] public List<string> Order { get; set; } = [];

    /// <summary>The <c>survey.answered</c> webhooks, KPI answers and first answers' points still owed.</summary>
    [Id(2)] public OutboxState Outbox { get; set; } = new();
}

/// <summary>
/// The post-event survey: open to members who were going, from the event's start until 30 days after its end. An answer
/// is stored with what it owes (the webhook, the KPI answer, a first answer's points) in the grain's <see cref="Outbox"/>.
/// </summary>
public sealed class SurveyGrain(
    [PersistentState("survey", StorageNames.Main)] IPersistentState<SurveyState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<OutboxOptions> outboxOptions,
    Sentiment.SentimentScorer sentiment,
    ILogger<SurveyGrain> logger) : Grain, ISurveyGrain, IRemindable
{
    public const int MaxCommentLength = 2_000;
    private static readonly TimeSpan OpenAfterEnd = TimeSpan.FromDays(30);

    // A first answer's points were awarded before the answer; they still are in the normal case (bounded: what fails
    // stays owed and goes out later).

    private readonly StateWriter<SurveyState> _writer = new(state);
    private EventKey _key;
    private Outbox _outbox = null!;

    private SurveyState S => _writer.State;

    private string CommunityId => _key.CommunityId;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = EventKey.Parse(this.GetPrimaryKeyString());
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, _writer.Write, outboxOptions.Value, logger) { WriteFailed = DeactivateOnIdle };
        _outbox.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _outbox.Deactivating(cancellationToken);

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == Outbox.ReminderName ? _outbox.Tick() : Task.CompletedTask;

    public Task<MemberTrace> CollectMember(string userId) =>
        Task.FromResult(S.Answers.TryGetValue(userId, out var answer)
            ? MemberTrace.Empty with { Events = [new EventTrace(_key.EventId, null, false, [], [], [], answer)] }
            : MemberTrace.Empty);

    /// <summary>Erasure: the ratings stay in the results under the pseudonym; the comment, their own words, goes.</summary>
    public async Task EraseMember(string userId, string pseudonym)
    {
        if (S.Answers.Remove(userId, out var answer))
        {
            S.Answers[pseudonym] = answer with { Comment = null };
            S.Order = [.. S.Order.Select(u => u == userId ? pseudonym : u)];
            await _writer.Write();
        }
    }

    public async Task<SurveyAnswer> Answer(SurveyAnswer answer, Actor member)
    {
        var comment = answer.Comment?.Trim();
        if (answer.Satisfaction is < 1 or > 5 || answer.Nps is < 0 or > 10)
        {
            throw CommunityException.Invalid("satisfaction is 1 to 5 and nps is 0 to 10.");
        }

        if (comment?.Length > MaxCommentLength)
        {
            throw new CommunityException(ErrorCodes.TooLong, $"A comment has at most {MaxCommentLength} characters.");
        }

        var e = GrainFactory.Event(_key);
        var info = await e.Get();
        var now = clock.GetUtcNow();
        if (now < info.StartsAt || now > info.EndsAt + OpenAfterEnd)
        {
            throw CommunityException.Invalid($"The survey is open from {info.StartsAt:u} until 30 days after the event ends.");
        }

        // A member banned after they RSVP'd no longer takes part (nor earns for it), as for every other event action.
        PostingRules.RequireNotBanned(await PostingRules.RequireMember(GrainFactory, CommunityId, member.UserId));
        if ((await e.GetRsvp(member.UserId)).Status != RsvpStatus.Going)
        {
            throw CommunityException.Invalid("The survey is for members who attended (RSVP'd as going).");
        }

        // The KPIs segment answers by the profile the member has when answering.
        var profile = (await GrainFactory.Member(CommunityId, member.UserId).Get())?.Profile;
        var stored = answer with { Comment = string.IsNullOrEmpty(comment) ? null : comment };
        var first = !S.Answers.ContainsKey(member.UserId);
        S.Answers[member.UserId] = stored;
        S.Order.Remove(member.UserId);
        S.Order.Add(member.UserId);
        _outbox.Add(RaiseWebhook.Of(CommunityId, WebhookEventKinds.SurveyAnswered, now, new { eventId = info.Id, userId = member.UserId, answer = stored }));
        // Satisfaction and the comment's sentiment count on the event's first day, so a replaced answer replaces them there
        // (one per member and event).
        var day = DateOnly.FromDateTime(info.StartsAt.UtcDateTime);
        _outbox.Add(new RecordSurvey(CommunityId, new KpiSurvey($"{info.Id}:{member.UserId}", day, stored.Satisfaction, stored.Nps, KpiMath.Tags(profile),
            sentiment.Label(stored.Comment))));
        var points = first
            ? _outbox.Add(new AwardPoints(
                [new ActivityEvent($"survey:{info.Id}", CommunityId, member.UserId, member.DisplayName, ActionKinds.SurveyAnswered, now, null, EventId: info.Id)]))
            : null;
        await Store();
        await _outbox.Settled(points);
        return stored;
    }

    public async Task<SurveyResults> Results(Actor caller)
    {
        await ModerationRoles.Require(GrainFactory, CommunityId, caller, Access.Permissions.ManageEvents, "Survey results need the manage_events permission (admins and the owner hold it by default).");
        return SurveyMath.Summarise(_key.EventId, S.Order.Select(u => S.Answers[u]).ToList());
    }

    private Task Store() => _outbox.Store();
}

/// <summary>CSAT and NPS, as the industry defines them (pure, unit-tested).</summary>
public static class SurveyMath
{
    public static SurveyResults Summarise(string eventId, IReadOnlyList<SurveyAnswer> answers)
    {
        var counts = new int[5];
        foreach (var a in answers)
        {
            counts[a.Satisfaction - 1]++;
        }

        if (answers.Count == 0)
        {
            return new SurveyResults(eventId, 0, 0, 0, 0, counts, []);
        }

        var (average, csat, nps) = Scores([.. answers.Select(a => (a.Satisfaction, a.Nps))]);
        return new SurveyResults(eventId, answers.Count, average, csat, nps, counts,
            [.. answers.Where(a => a.Comment is not null).Select(a => a.Comment!).Reverse().Take(100)]);
    }

    /// <summary>Average satisfaction; CSAT, the percent rating 4–5; NPS, the percent of 9–10 minus the percent of 0–6. At least one answer.</summary>
    public static (double Average, double Csat, double Nps) Scores(IReadOnlyList<(int Satisfaction, int Nps)> answers)
    {
        var n = (double)answers.Count;
        var promoters = answers.Count(a => a.Nps >= 9);
        var detractors = answers.Count(a => a.Nps <= 6);
        return (Math.Round(answers.Average(a => a.Satisfaction), 2),
            Math.Round(100 * answers.Count(a => a.Satisfaction >= 4) / n, 1),
            Math.Round(100 * (promoters - detractors) / n, 1));
    }
}
