namespace CommunityScale.Scheduling;

/// <summary>
/// A value looked up from another grain and trusted for a while: the hot path asks it on every call, and the answer
/// changes rarely (a community's rules, its campaigns). Callers that ask while a lookup is under way share it; a failed
/// lookup is not remembered.
/// </summary>
public sealed class Remembered<T>(TimeSpan lifetime)
{
    private T? _value;
    private DateTime _until = DateTime.MinValue;
    private Task<T>? _loading;

    public Task<T> Get(Func<Task<T>> load)
    {
        if (DateTime.UtcNow < _until)
        {
            return Task.FromResult(_value!);
        }

        return _loading ??= Load(load);
    }

    /// <summary>The next <see cref="Get"/> asks again.</summary>
    public void Forget() => _until = DateTime.MinValue;

    private async Task<T> Load(Func<Task<T>> load)
    {
        try
        {
            var value = await load();
            (_value, _until) = (value, DateTime.UtcNow + lifetime);
            return value;
        }
        finally
        {
            _loading = null;
        }
    }
}
