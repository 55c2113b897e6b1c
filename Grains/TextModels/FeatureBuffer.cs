namespace CommunityScale.TextModels;

/// <summary>The hashed features of one text: bucket indices and their values (a bucket may repeat; values add up).</summary>
public sealed class FeatureBuffer
{
    [ThreadStatic]
    private static FeatureBuffer? t_current;

    /// <summary>One per thread, reused: scoring allocates no feature arrays, and grains on many threads never share one.</summary>
    public static FeatureBuffer ForThisThread => t_current ??= new FeatureBuffer();

    private int[] _indices = new int[512];
    private float[] _values = new float[512];

    public int Count { get; private set; }

    public ReadOnlySpan<int> Indices => _indices.AsSpan(0, Count);

    public ReadOnlySpan<float> Values => _values.AsSpan(0, Count);

    internal void Clear() => Count = 0;

    internal void Add(int index)
    {
        if (Count == _indices.Length)
        {
            Array.Resize(ref _indices, Count * 2);
            Array.Resize(ref _values, Count * 2);
        }

        _indices[Count] = index;
        _values[Count] = 1;
        Count++;
    }

    /// <summary>Each group (words, characters) is scaled to unit length on its own, so the many character n-grams do not drown the words.</summary>
    internal void Scale(int from, int to)
    {
        if (to > from)
        {
            var value = 1 / MathF.Sqrt(to - from);
            _values.AsSpan(from, to - from).Fill(value);
        }
    }
}
