using CommunityScale.Events;

namespace CommunityScale.Grains.Tests;

[Trait("Area", "Events")]
public sealed class SurveyMathTests
{
    [Fact]
    public void Csat_counts_fours_and_fives_and_nps_is_promoters_minus_detractors()
    {
        var answers = new[]
        {
            new SurveyAnswer(5, 10, "great"), new SurveyAnswer(4, 9, null), new SurveyAnswer(4, 8, null),
            new SurveyAnswer(3, 7, "ok"), new SurveyAnswer(2, 6, null), new SurveyAnswer(1, 0, "bad"),
        };

        var results = SurveyMath.Summarise("day", answers);

        Assert.Equal(6, results.Answers);
        Assert.Equal(3.17, results.AverageSatisfaction);
        Assert.Equal(50.0, results.Csat);
        // 2 promoters (10, 9), 2 detractors (6, 0) of 6: 0.
        Assert.Equal(0.0, results.Nps);
        Assert.Equal([1, 1, 1, 2, 1], results.SatisfactionCounts);
        Assert.Equal(["bad", "ok", "great"], results.Comments);
        Assert.Equal(-100.0, SurveyMath.Summarise("x", [new SurveyAnswer(1, 0, null)]).Nps);
        Assert.Equal(0, SurveyMath.Summarise("x", []).Answers);
    }
}
