#include "plots/bins_plot.h"
#include "plots/eigen_plot.h"
#include "plots/plot_source.h"
#include "plots/plot_widget.h"

#include <QImage>
#include <QPainter>

#include <gtest/gtest.h>

#include <cmath>
#include <complex>

namespace eigenscope::ui {
namespace {

std::shared_ptr<AnalysisResult> resultWith(std::vector<std::complex<double>> eig) {
    auto r = std::make_shared<AnalysisResult>();
    r->binEdges = {0.0, 0.5, 1.0, INFINITY};
    r->batch = 1;
    r->seqLen = int64_t(eig.size());
    LayerSpectrum layer;
    layer.mixer = "test";
    layer.batch = 1;
    layer.steps = int64_t(eig.size());
    layer.heads = 1;
    layer.modes = 1;
    layer.eig = std::move(eig);
    layer.bins = {20, 30, 50};
    r->layers.push_back(layer);
    return r;
}

TEST(PlotAxes, LinearTicksAreRoundAndInsideTheRange) {
    const auto ticks = axisTicks(Axis{-1.3, 1.3, false, {}}, 400);
    ASSERT_GE(ticks.size(), 3u);
    for (double t : ticks) {
        EXPECT_GE(t, -1.3);
        EXPECT_LE(t, 1.3);
        EXPECT_NEAR(t * 2, std::round(t * 2), 1e-12) << t;  // multiples of 0.5
    }
    EXPECT_NE(std::find(ticks.begin(), ticks.end(), 0.0), ticks.end());
}

TEST(PlotAxes, LogTicksAreDecadesAndFrameMapsBothWays) {
    const Axis y{1e-6, 10, true, {}};
    const auto ticks = axisTicks(y, 600);
    EXPECT_EQ(ticks.front(), 1e-6);
    EXPECT_NEAR(ticks.back(), 10, 1e-12);
    Frame f{QRectF(50, 20, 500, 300), Axis{0, 100, false, {}}, y};
    EXPECT_DOUBLE_EQ(f.toPixelY(1e-6), 320);
    EXPECT_DOUBLE_EQ(f.toPixelY(10), 20);
    EXPECT_NEAR(f.toDataY(f.toPixelY(3.7e-3)), 3.7e-3, 1e-15);
    EXPECT_NEAR(f.toDataX(f.toPixelX(42.0)), 42.0, 1e-12);
    EXPECT_EQ(tickLabel(1e-6, y), "1e-6");
    EXPECT_EQ(tickLabel(0.1, y), "0.1");
}

TEST(PlotSourceTest, LayerBinsAverageHeadsPerSampleThenTheBatch) {
    LayerSpectrum layer;
    layer.batch = 2;
    layer.heads = 2;
    // (B, H, nbins=2): sample 0 heads (10, 90), (30, 70); sample 1 heads (50, 50), (70, 30)
    layer.bins = {10, 90, 30, 70, 50, 50, 70, 30};
    const auto stats = layerBins(layer, 2);
    EXPECT_DOUBLE_EQ(stats.mean[0], 40);  // per-sample means 20 and 60
    EXPECT_DOUBLE_EQ(stats.std[0], 20);   // population std
    EXPECT_DOUBLE_EQ(stats.mean[1], 60);
}

TEST(BinsPlotTest, BinLabelsFollowTheModesIntervals) {
    const std::vector<double> edges = {0.0, 0.1, 100.0, INFINITY};
    EXPECT_EQ(binLabel(edges, 0, "corrected"), "[0,0.1)");
    EXPECT_EQ(binLabel(edges, 2, "corrected"), "[100,∞)");
    EXPECT_EQ(binLabel(edges, 1, "paper"), "[0.1,100]") << "the reference counts a value on an edge in both bins";
    EXPECT_EQ(binLabel(edges, 2, "paper"), "(100,∞)");
    BinsPlot plot;
    PlotSource source;
    auto result = std::make_shared<AnalysisResult>();
    result->mode = "paper";
    result->binEdges = edges;
    LayerSpectrum layer;
    layer.batch = layer.heads = 1;
    layer.bins = {20, 30, 50};
    result->layers.push_back(layer);
    source.current = result;
    plot.setSource(source);
    const auto ticks = plot.categoryTicks();
    ASSERT_EQ(ticks.size(), 3u);
    EXPECT_EQ(ticks[1].second, QString::fromUtf8("[0.1,100]"));
}

TEST(EigenPlotTest, TheUnitCircleIsRoundAtAnyAspectRatio) {
    EigenPlot plot;
    PlotSource source;
    source.current = resultWith({{1, 0}, {0, 1}, {-1, 0}, {0, -1}});
    plot.setSource(source);
    plot.setLegendVisible(false);  // its layer-0 swatch has the points' colour
    for (const QSize size : {QSize(900, 400), QSize(400, 900)}) {
        QImage image(size, QImage::Format_ARGB32);
        QPainter painter(&image);
        plot.render(painter, QRectF(QPointF(0, 0), size));
        painter.end();
        const QRgb blue = categoricalColour(0).rgb();
        int left = size.width(), right = 0, top = size.height(), bottom = 0;
        for (int y = 0; y < size.height(); ++y)
            for (int x = 0; x < size.width(); ++x)
                if (image.pixel(x, y) == blue) {
                    left = std::min(left, x);
                    right = std::max(right, x);
                    top = std::min(top, y);
                    bottom = std::max(bottom, y);
                }
        ASSERT_LT(left, right) << "no eigenvalue drawn";
        EXPECT_NEAR(right - left, bottom - top, 2) << size.width() << "x" << size.height();
    }
}

TEST(EigenPlotTest, SwitchesToDensityAboveTheThreshold) {
    EigenPlot plot;
    PlotSource source;
    std::vector<std::complex<double>> many(size_t(EigenPlot::kDensityThreshold + 1));
    for (size_t i = 0; i < many.size(); ++i) many[i] = std::polar(0.5 + 0.5 * double(i) / double(many.size()), double(i));
    source.current = resultWith(many);
    plot.setSource(source);
    EXPECT_TRUE(plot.densityMode());
    EXPECT_EQ(plot.pointCount(), qint64(many.size()));
    QImage image(600, 600, QImage::Format_ARGB32);
    QPainter painter(&image);
    plot.render(painter, QRectF(0, 0, 600, 600));
    painter.end();
    int coloured = 0;
    for (int y = 0; y < 600; ++y)
        for (int x = 0; x < 600; ++x) {
            const QColor c = image.pixelColor(x, y);
            coloured += c.saturation() > 100;
        }
    EXPECT_GT(coloured, 5000) << "the density image is missing";
    source.current = resultWith({{0.5, 0.5}});
    plot.setSource(source);
    EXPECT_FALSE(plot.densityMode());
}

TEST(BinsPlotTest, ReferenceNeedsMatchingLayers) {
    PlotSource source;
    source.current = resultWith({{0.5, 0}});
    source.reference = resultWith({{0.9, 0}});
    EXPECT_TRUE(source.referenceMatches());
    auto twoLayers = resultWith({{0.9, 0}});
    twoLayers->layers.push_back(twoLayers->layers[0]);
    source.reference = twoLayers;
    EXPECT_FALSE(source.referenceMatches());
    BinsPlot plot;
    plot.setSource(source);
    EXPECT_EQ(plot.pointCount(), 3);  // one bar per bin of the single layer
}

}  // namespace
}  // namespace eigenscope::ui
