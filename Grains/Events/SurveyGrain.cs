using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gamification;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Privacy;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Events;

[GenerateSerializer, Alias("cs.SurveyState")]
public sealed class SurveyState
{
    [Id(0)] public Dictionary<string, SurveyAnswer> Answers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Who answered, in order, so the latest comments come first.</summary>
    [Id(1)] public List<string> Order { get; set; } = [];
}

/// <summary>The post-event survey: open to members who were going, from the event's start until 30 days after its end.</summary>
public sealed class SurveyGrain(
    [PersistentState("survey", StorageNames.Main)] IPersistentState<SurveyState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock) : Grain, ISurveyGrain
{
    public const int MaxCommentLength = 2_000;
    private static readonly TimeSpan OpenAfterEnd = TimeSpan.FromDays(30);

    private string CommunityId => this.GetPrimaryKeyString()[..this.GetPrimaryKeyString().IndexOf('/', StringComparison.Ordinal)];

    public Task<MemberTrace> CollectMember(string userId) =>
        Task.FromResult(state.State.Answers.TryGetValue(userId, out var answer)
            ? MemberTrace.Empty with { Events = [new EventTrace(this.GetPrimaryKeyString().Split('/')[1], null, false, [], [], [], answer)] }
            : MemberTrace.Empty);

    /// <summary>Erasure: the ratings stay in the results under the pseudonym; the comment, their own words, goes.</summary>
    public async Task EraseMember(string userId, string pseudonym)
    {
        if (state.State.Answers.Remove(userId, out var answer))
        {
            state.State.Answers[pseudonym] = answer with { Comment = null };
            state.State.Order = [.. state.State.Order.Select(u => u == userId ? pseudonym : u)];
            await state.WriteStateAsync();
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

        var e = GrainFactory.GetGrain<IEventGrain>(this.GetPrimaryKeyString());
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

        var stored = answer with { Comment = string.IsNullOrEmpty(comment) ? null : comment };
        var first = !state.State.Answers.ContainsKey(member.UserId);
        state.State.Answers[member.UserId] = stored;
        state.State.Order.Remove(member.UserId);
        state.State.Order.Add(member.UserId);
        await state.WriteStateAsync();
        Integrations.Webhooks.Raise(GrainFactory, CommunityId, Integrations.WebhookEventKinds.SurveyAnswered, now, new { eventId = info.Id, userId = member.UserId, answer = stored });
        // Satisfaction counts on the event's first day, so a replaced answer replaces it there (one per member and event).
        var day = DateOnly.FromDateTime(info.StartsAt.UtcDateTime);
        var profile = (await GrainFactory.GetGrain<IMemberGrain>(MemberKey.For(CommunityId, member.UserId)).Get())?.Profile;
        GrainFactory.GetGrain<Insights.IKpiWeekGrain>($"{CommunityId}/{Insights.KpiMath.Week(day)}")
            .Survey(new Insights.KpiSurvey($"{info.Id}:{member.UserId}", day, stored.Satisfaction, stored.Nps, Insights.KpiMath.Tags(profile))).Ignore();
        if (first)
        {
            await GrainFactory.GetGrain<IMemberPointsGrain>(MemberKey.For(CommunityId, member.UserId)).Record(
                [new ActivityEvent($"survey:{info.Id}", CommunityId, member.UserId, member.DisplayName, ActionKinds.SurveyAnswered, now, null, EventId: info.Id)]);
        }

        return stored;
    }

    public async Task<SurveyResults> Results(Actor caller)
    {
        await ModerationRoles.RequireAdmin(GrainFactory, CommunityId, caller, "Only admins and the owner read survey results.");
        var eventId = this.GetPrimaryKeyString()[(this.GetPrimaryKeyString().IndexOf('/', StringComparison.Ordinal) + 1)..];
        return SurveyMath.Summarise(eventId, state.State.Order.Select(u => state.State.Answers[u]).ToList());
    }
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
