using System.Globalization;
using CommunityScale.Access;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Posting;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommunityScale.Threads;

[GenerateSerializer, Alias("cs.ThreadDirectoryState")]
public sealed class ThreadDirectoryState
{
    [Id(0)] public long LastThreadId { get; set; }

    [Id(1)] public List<ForumCategory> Categories { get; set; } = [];

    [Id(2)] public ForumSettings Settings { get; set; } = ForumSettings.Default;

    [Id(3)] public Dictionary<string, ThreadSummary> Threads { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A community's forum directory. Thread ids are numbers it hands out (stored before use, so never twice); listings are
/// sorted from the summaries in memory. Summaries arrive after every change of a thread and are written behind, at most
/// once a second: the thread holds the truth and hands its summary over again when it next activates.
/// </summary>
public sealed partial class ThreadDirectoryGrain(
    [PersistentState("forum", StorageNames.Main)] IPersistentState<ThreadDirectoryState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    AccessRulesCache accessRules,
    ILogger<ThreadDirectoryGrain> logger) : Grain, IThreadDirectoryGrain
{
    private readonly StateWriter<ThreadDirectoryState> _store = new(state);

    public const string DefaultCategory = "general";

    /// <summary>Listings cover the most recently active threads up to this many; older ones stay readable by id.</summary>
    public const int MaxListed = 20_000;

    public const int MaxCategories = 100;
    private const int MaxDescriptionLength = 500;
    private static readonly ForumCategory General = new(DefaultCategory, "General", "Everything else.");

    private readonly SlidingWindowRateLimiter _creationLimiter = new(5, TimeSpan.FromMinutes(10));
    private WriteBehind? _writeBehind;
    private ForumAccess? _access;

    private ForumAccess Forum => _access ??= new(accessRules, GrainFactory, CommunityId);

    /// <summary>Summaries are written behind; creations and settings are written at once (<see cref="WriteBehind.WriteNow"/>).</summary>
    private WriteBehind Writes => _writeBehind ??= new(this, _ => _store.Write(), ex => LogFlushFailed(logger, ex, CommunityId));

    private ThreadDirectoryState S => _store.State;

    private string CommunityId => this.GetPrimaryKeyString();

    public async Task<ThreadSummary> CreateThread(NewThread thread, Actor author)
    {
        await GrainFactory.GetGrain<ICommunityGrain>(CommunityId).GetInfo();
        var category = thread.CategoryId ?? DefaultCategory;
        var hidden = $"Category '{(InputRules.IsValidId(category) ? category : "?")}'";
        if (!Categories().Any(c => c.Id == category))
        {
            throw CommunityException.NotFound(hidden);
        }

        // Before an id is used up: a category one may not view does not exist for them.
        await Forum.Require(await GrainFactory.Member(CommunityId, author.UserId).Get(), category, Permissions.CreateThreads, "open threads", hidden);

        if (!Enum.IsDefined(thread.Kind))
        {
            throw CommunityException.Invalid("kind must be discussion, question or idea.");
        }

        // Checked here as well as in the thread, so a bad thread does not use up an id and a write.
        var title = ThreadRules.RequireTitle(thread.Title);
        ThreadRules.RequireBody(thread.Body);
        var tags = ThreadRules.RequireTags(thread.Tags);
        if (!_creationLimiter.TryAcquire(author.UserId, clock.GetUtcNow(), out var retryAfter))
        {
            throw new CommunityException(ErrorCodes.RateLimited, $"You started several threads just now; try again in {Math.Ceiling(retryAfter.TotalMinutes):0} min.");
        }

        S.LastThreadId++;
        await Writes.WriteNow();
        var id = S.LastThreadId.ToString(CultureInfo.InvariantCulture);
        var summary = await GrainFactory.Thread(new ThreadKey(CommunityId, id))
            .Create(new ThreadDraft(id, category, thread.Kind, title, thread.Body, tags, thread.AttachmentIds), S.Settings, author);
        Keep(summary);
        return summary;
    }

    public Task Upsert(ThreadSummary summary)
    {
        if (summary.CommunityId == CommunityId)
        {
            Keep(summary);
        }

        return Task.CompletedTask;
    }

    public Task<ThreadListing> List(ThreadQuery query) => Task.FromResult(ThreadListings.Page(S.Threads.Values, RequireQuery(query)));

    public async Task<ThreadListing> ListFor(ThreadQuery query, string userId)
    {
        RequireQuery(query);
        var viewable = await Forum.Viewable(userId);
        return ThreadListings.Page(S.Threads.Values.Where(t => viewable.Contains(t.CategoryId)), query);
    }

    private static ThreadQuery RequireQuery(ThreadQuery query)
    {
        if (query.Limit is < 1 or > 100)
        {
            throw CommunityException.Invalid("limit must be between 1 and 100.");
        }

        if (query.Tag is { } tag && !ThreadRules.IsTag(tag))
        {
            throw CommunityException.Invalid("tag must match [a-z0-9-]{1,30}.");
        }

        if (query.CategoryId is { } category && !InputRules.IsValidId(category))
        {
            throw CommunityException.Invalid("category must match [a-z0-9-]{1,64}.");
        }

        return query;
    }

    public async Task<ForumCategory> CreateCategory(ForumCategory category, Actor caller)
    {
        var id = InputRules.RequireId(category.Id, "category id");
        var name = InputRules.RequireName(category.Name, "category name");
        var description = category.Description?.Trim() ?? "";
        if (description.Length > MaxDescriptionLength)
        {
            throw new CommunityException(ErrorCodes.TooLong, $"The description has {description.Length} characters; at most {MaxDescriptionLength} are allowed.");
        }

        await ModerationRoles.RequireAdmin(GrainFactory, CommunityId, caller, "Only admins and the owner create categories.");
        if (Categories().Any(c => c.Id == id))
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, $"Category '{id}' already exists.");
        }

        if (S.Categories.Count >= MaxCategories)
        {
            throw CommunityException.Invalid($"A community has at most {MaxCategories} categories.");
        }

        var created = new ForumCategory(id, name, description);
        S.Categories.Add(created);
        await Writes.WriteNow();
        return created;
    }

    public Task<IReadOnlyList<string>> GetThreadIds() =>
        Task.FromResult<IReadOnlyList<string>>([.. S.Threads.Values.Where(t => !t.Removed).Select(t => t.ThreadId)]);

    public Task<long> GetLastThreadId() => Task.FromResult(S.LastThreadId);

    public Task<IReadOnlyList<ForumCategory>> GetCategories() => Task.FromResult(Categories());

    public async Task<IReadOnlyList<ForumCategory>> GetCategoriesFor(string userId)
    {
        var viewable = await Forum.Viewable(userId);
        return [.. Categories().Where(c => viewable.Contains(c.Id))];
    }

    public Task<ForumSettings> GetSettings() => Task.FromResult(S.Settings);

    public async Task<ForumSettings> GetSettingsFor(string userId)
    {
        await Forum.Viewable(userId);
        return S.Settings;
    }

    public async Task<ForumSettings> UpdateSettings(ForumSettingsUpdate update, Actor caller)
    {
        var current = S.Settings;
        var reactions = update.Reactions is null ? current.Reactions : ThreadRules.RequireReactionSet(update.Reactions);
        var maxBytes = update.MaxAttachmentBytes ?? current.MaxAttachmentBytes;
        if (maxBytes is < 1 or > AttachmentRules.MaxBytesCeiling)
        {
            throw CommunityException.Invalid($"maxAttachmentBytes must be between 1 and {AttachmentRules.MaxBytesCeiling}.");
        }

        var types = update.AttachmentTypes?.Distinct(StringComparer.Ordinal).ToList() ?? [.. current.AttachmentTypes];
        if (types.FirstOrDefault(t => !AttachmentRules.KnownTypes.Contains(t, StringComparer.Ordinal)) is { } unknown)
        {
            throw CommunityException.Invalid($"attachmentTypes may hold only {string.Join(", ", AttachmentRules.KnownTypes)}; '{(unknown is { Length: > 40 } ? unknown[..40] : unknown)}' is not one.");
        }

        await ModerationRoles.RequireAdmin(GrainFactory, CommunityId, caller, "Only admins and the owner change forum settings.");
        S.Settings = new ForumSettings(reactions, current.Version + 1, maxBytes, types);
        await Writes.WriteNow();
        return S.Settings;
    }

    private IReadOnlyList<ForumCategory> Categories() => S.Categories.Any(c => c.Id == DefaultCategory) ? S.Categories : [General, .. S.Categories];

    private void Keep(ThreadSummary summary)
    {
        if (S.Threads.TryGetValue(summary.ThreadId, out var known) && known.Version >= summary.Version)
        {
            return;
        }

        S.Threads[summary.ThreadId] = summary;
        if (S.Threads.Count > MaxListed)
        {
            var oldest = S.Threads.Values.MinBy(t => t.LastActivityAt)!;
            S.Threads.Remove(oldest.ThreadId);
        }

        Writes.Changed();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Writes.Flush(cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the forum directory of {Community} failed; will retry")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex, string community);
}
