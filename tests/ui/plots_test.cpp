#include "eigenscope/analysis.h"
#include "eigenscope/model.h"
#include "plots/bins_plot.h"
#include "plots/clipping.h"
#include "plots/decay_plot.h"
#include "plots/eigen_plot.h"
#include "plots/impulse_plot.h"
#include "plots/plot_source.h"
#include "plots/plot_widget.h"

#include <QBuffer>
#include <QImage>
#include <QPainter>
#include <QRegularExpression>
#include <QSvgGenerator>
#include <QTransform>
#include <QXmlStreamReader>

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

// Every point of every non-text primitive an SVG holds (paths, polylines, lines, rects, images, circles), with the
// transforms of its groups applied; the rectangle `background` (the figure's own) is left out.
std::vector<QPointF> svgPoints(const QByteArray& svg, const QRectF& background) {
    std::vector<QPointF> out;
    std::vector<QTransform> stack{QTransform()};
    const QRegularExpression number(QStringLiteral("-?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?"));
    const auto numbers = [&](const QString& text) {
        std::vector<double> values;
        for (auto it = number.globalMatch(text); it.hasNext();) values.push_back(it.next().captured().toDouble());
        return values;
    };
    QXmlStreamReader xml(svg);
    while (!xml.atEnd()) {
        const auto token = xml.readNext();
        if (token == QXmlStreamReader::EndElement && xml.name() == QLatin1String("g")) stack.pop_back();
        if (token != QXmlStreamReader::StartElement) continue;
        const auto a = xml.attributes();
        const QTransform& t = stack.back();
        const auto attr = [&](const char* name) { return a.value(QLatin1String(name)).toDouble(); };
        if (xml.name() == QLatin1String("g")) {
            QTransform local;
            if (a.hasAttribute(QLatin1String("transform"))) {
                const auto m = numbers(a.value(QLatin1String("transform")).toString());
                if (m.size() == 6) local = QTransform(m[0], m[1], m[2], m[3], m[4], m[5]);
            }
            stack.push_back(local * t);
        } else if (xml.name() == QLatin1String("path") || xml.name() == QLatin1String("polyline")) {
            const auto v = numbers(a.value(QLatin1String(xml.name() == QLatin1String("path") ? "d" : "points")).toString());
            for (size_t i = 0; i + 1 < v.size(); i += 2) out.push_back(t.map(QPointF(v[i], v[i + 1])));
        } else if (xml.name() == QLatin1String("rect") || xml.name() == QLatin1String("image")) {
            const QRectF r = t.mapRect(QRectF(attr("x"), attr("y"), attr("width"), attr("height")));
            if (r != background)
                for (const QPointF& p : {r.topLeft(), r.bottomRight()}) out.push_back(p);
        } else if (xml.name() == QLatin1String("line")) {
            out.push_back(t.map(QPointF(attr("x1"), attr("y1"))));
            out.push_back(t.map(QPointF(attr("x2"), attr("y2"))));
        } else if (xml.name() == QLatin1String("circle") || xml.name() == QLatin1String("ellipse")) {
            const double rx = a.hasAttribute(QLatin1String("r")) ? attr("r") : attr("rx");
            const double ry = a.hasAttribute(QLatin1String("r")) ? attr("r") : attr("ry");
            out.push_back(t.map(QPointF(attr("cx") - rx, attr("cy") - ry)));
            out.push_back(t.map(QPointF(attr("cx") + rx, attr("cy") + ry)));
        }
    }
    return out;
}

// The plot rendered as a 640×460 SVG.
QByteArray svgOf(const PlotWidget& plot) {
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setSize(QSize(640, 460));
    svg.setViewBox(QRect(0, 0, 640, 460));
    {
        QPainter painter(&svg);
        plot.render(painter, QRectF(0, 0, 640, 460));
    }
    return buffer.data();
}

// Qt's SVG generator ignores clipping: every plot clips its own geometry, so zoomed in until its data runs far
// past the axes, no primitive of an SVG export leaves the plot's data rectangle.
TEST(SvgExport, EveryPrimitiveStaysInsideThePlotsFrame) {
    InputSpec input = parseInputSpec("task:mqar:seq_len=32,kv_pairs=2,vocab=64");
    input.batch = 2;
    AnalysisOptions options;
    options.impulseSources = {0};
    const auto model = Model::open("preset:cpu-rglru");  // one head per channel: the curves carry bands
    PlotSource source;
    source.current = std::make_shared<AnalysisResult>(analyze(model, input, options));
    source.reference = std::make_shared<AnalysisResult>(analyze(model.freshlyInitialized(), input, options));
    source.referenceLabel = QStringLiteral("init");
    EigenPlot eigen;
    BinsPlot bins;
    ImpulsePlot impulse;
    DecayPlot decay;
    eigen.setSource(source);
    bins.setSource(source);
    impulse.setSource(source);
    decay.setSource(source);
    const std::vector<std::pair<PlotWidget*, std::pair<Axis, Axis>>> zoomed = {
        {&eigen, {Axis{0.6, 0.9, false, {}}, Axis{-0.1, 0.1, false, {}}}},
        {&bins, {Axis{1.5, 3.5, false, {}}, Axis{10, 30, false, {}}}},
        {&impulse, {Axis{2, 10, false, {}}, Axis{1e-3, 1e-1, true, {}}}},
        {&decay, {Axis{3, 12, false, {}}, Axis{1e-3, 0.3, true, {}}}}};
    for (const auto& [plot, view] : zoomed) {
        plot->setView(view.first, view.second);
        const QByteArray svg = svgOf(*plot);
        const QRectF frame = plot->lastFrame().rect.adjusted(-1.5, -1.5, 1.5, 1.5);
        const auto points = svgPoints(svg, QRectF(0, 0, 640, 460));
        EXPECT_GT(points.size(), 20u) << plot->title().toStdString();
        int outside = 0;
        for (const QPointF& p : points) outside += !frame.contains(p);
        EXPECT_EQ(outside, 0) << plot->title().toStdString() << ": " << outside << " of " << points.size()
                              << " points outside the frame";
    }
}

struct BinsProbe : BinsPlot {
    using BinsPlot::hoverText;
    using BinsPlot::legend;
};

// Many layers read as one picture: a layer × bin heat map with each row's mixer and horizon, clipped in SVG too.
TEST(BinsPlotTest, ManyLayersBecomeAHeatMapWithMixerAndHorizonStrips) {
    auto result = resultWith({{0.5, 0}, {0.95, 0}});
    result->maxLag = 8;
    const size_t layers = BinsPlot::kHeatMapLayers + 2;
    for (size_t l = 1; l < layers; ++l) {
        auto layer = result->layers[0];
        layer.mixer = l % 2 ? "other" : "test";
        layer.metrics = {HeadMetrics{}};
        layer.metrics[0].horizon = int64_t(l);
        layer.index = int64_t(l);
        result->layers.push_back(layer);
    }
    result->layers[0].metrics = {HeadMetrics{}};
    PlotSource source;
    source.current = result;
    BinsProbe plot;
    plot.setSource(source);
    EXPECT_EQ(plot.pointCount(), qint64(layers * 3));
    EXPECT_TRUE(plot.legend().empty()) << "the strips name the mixers";
    ASSERT_EQ(plot.yCategoryTicks().size(), layers);
    EXPECT_EQ(plot.yCategoryTicks().back().second, QString::number(layers - 1));
    QImage image(900, 700, QImage::Format_ARGB32);
    {
        QPainter painter(&image);
        plot.render(painter, QRectF(0, 0, 900, 700));
    }
    const Frame& frame = plot.lastFrame();
    const auto stripColour = [&](size_t row) {
        return image.pixelColor(frame.toPixel(-1.0 + 0.4, double(row) + 0.4).toPoint());  // off the strip's text
    };
    EXPECT_EQ(stripColour(0), stripColour(2)) << "the same mixer, the same colour";
    EXPECT_NE(stripColour(0), stripColour(1)) << "another mixer, another colour";
    // Each bin cell has the colour of its percentage (20, 30 and 50 %).
    for (size_t bin = 0; bin < 3; ++bin)
        EXPECT_EQ(image.pixelColor(frame.toPixel(double(bin), 3.0).toPoint()),
                  sequentialColour(result->layers[3].bins[bin] / 100.0).toRgb()) << bin;

    plot.setView(Axis{0.2, 2.4, false, {}}, Axis{1.7, 5.2, false, {}});
    // Inside the frame, or the colour bar of the percentages 10 px right of it.
    const QRectF zoomed = plot.lastFrame().rect.adjusted(-1.5, -1.5, 1.5, 1.5);
    int outside = 0;
    for (const QPointF& p : svgPoints(svgOf(plot), QRectF(0, 0, 640, 460)))
        outside += !zoomed.contains(p) && p.x() < plot.lastFrame().rect.right() + 9;
    EXPECT_EQ(outside, 0) << "heat map cells outside the zoomed frame";
}

// A hybrid's layers without a sequence mixer are grey rows in model order; layers are named by the model's numbers,
// also when one is shown alone.
TEST(BinsPlotTest, AHybridsLayersWithoutAMixerAreMarkedRowsInModelOrder) {
    auto result = resultWith({{0.5, 0}, {0.95, 0}});
    result->maxLag = 8;
    result->layers[0].metrics = {HeadMetrics{}};
    for (int64_t number = 2; number <= 12; number += 2) {
        auto layer = result->layers[0];
        layer.index = number;
        layer.bins = {10.0 * double(number / 2), 0.0, 100.0 - 10.0 * double(number / 2)};
        layer.binsMean = layer.bins;
        result->layers.push_back(layer);
    }
    result->mixerlessLayers = {1, 3, 5, 7, 9, 11};
    PlotSource source;
    source.current = result;
    BinsProbe plot;
    plot.setSource(source);
    const auto ticks = plot.yCategoryTicks();
    ASSERT_EQ(ticks.size(), 13u);
    for (size_t row = 0; row < 13; ++row) EXPECT_EQ(ticks[row].second, QString::number(row));
    QImage image(900, 700, QImage::Format_ARGB32);
    {
        QPainter painter(&image);
        plot.render(painter, QRectF(0, 0, 900, 700));
    }
    const Frame& frame = plot.lastFrame();
    EXPECT_EQ(image.pixelColor(frame.toPixel(0.0, 4.0).toPoint()), sequentialColour(0.2).toRgb()) << "layer 4's first bin";
    EXPECT_NE(image.pixelColor(frame.toPixel(0.0, 3.0).toPoint()), image.pixelColor(frame.toPixel(0.0, 4.0).toPoint()));
    EXPECT_EQ(image.pixelColor(frame.toPixel(0.0, 3.0).toPoint()), image.pixelColor(frame.toPixel(2.0, 5.0).toPoint()))
        << "one grey for every layer without a mixer";
    EXPECT_NE(plot.hoverText(frame, frame.toPixel(1.0, 3.0)).indexOf(QStringLiteral("layer 3: no sequence mixer")), -1);
    EXPECT_NE(plot.hoverText(frame, frame.toPixel(1.0, 4.0)).indexOf(QStringLiteral("layer 4 (test)")), -1)
        << plot.hoverText(frame, frame.toPixel(1.0, 4.0)).toStdString();

    source.layer = 6;  // the model's layer 6, the result's fourth
    plot.setSource(source);
    const auto legend = plot.legend();
    ASSERT_EQ(legend.size(), 1u);
    EXPECT_EQ(legend[0].text, QStringLiteral("layer 6 (current)"));
    EXPECT_EQ(plot.pointCount(), 3);
}

// Many heads read as a median with the band of their 10 and 90 % quantiles, every head, or one.
struct CurveProbe : CurvePlot {
    using CurvePlot::Curve;
    using CurvePlot::layerCurves;
};

TEST(HeadAggregation, MedianAndQuantileBandOverHeads) {
    const std::vector<std::vector<double>> rows = {{1, 10}, {5, 50}, {3, 30}, {2, 20}, {4, 40}};  // 5 heads, 2 lags
    const auto row = [&](int64_t h) { return rows[size_t(h)].data(); };
    PlotSource source;
    const auto band = CurveProbe::layerCurves(source, 0, 5, 2, row, "model", false);
    ASSERT_EQ(band.size(), 1u);
    EXPECT_EQ(band[0].head, -1);
    EXPECT_DOUBLE_EQ(band[0].y[0], 3);   // median of 1..5
    EXPECT_DOUBLE_EQ(band[0].lo[0], 1.4);  // 10 %: 1 + 0.4·(2 − 1)
    EXPECT_DOUBLE_EQ(band[0].hi[1], 46);   // 90 % of 10..50
    source.heads = PlotSource::Heads::All;
    EXPECT_EQ(CurveProbe::layerCurves(source, 0, 5, 2, row, "model", false).size(), 5u);
    source.heads = PlotSource::Heads::One;
    source.head = 4;
    const auto one = CurveProbe::layerCurves(source, 0, 5, 2, row, "model", true);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].head, 4);
    EXPECT_EQ(one[0].y, rows[4]);
    EXPECT_TRUE(one[0].dashed) << "a reference is dashed";
    EXPECT_TRUE(one[0].lo.empty());
}

struct ImpulseProbe : ImpulsePlot {
    using ImpulsePlot::hoverText;
    using ImpulsePlot::legend;
};

TEST(ImpulsePlotTest, AlongACurveTheHoverNamesTheTokenOfTheStep) {
    auto result = resultWith({{0.5, 0}, {0.5, 0}, {0.5, 0}, {0.5, 0}});
    result->maxLag = 3;
    result->impulseSources = {1};
    result->layers[0].impulse = {1.0, 0.5, 0.25, 0.125};
    result->tokens = {"the", " key", " a", "?"};
    PlotSource source;
    source.current = result;
    ImpulseProbe plot;
    plot.setSource(source);
    QImage image(640, 460, QImage::Format_ARGB32);
    {
        QPainter painter(&image);
        plot.render(painter, QRectF(0, 0, 640, 460));
    }
    const QString text = plot.hoverText(plot.lastFrame(), plot.lastFrame().toPixel(1.0, 0.5));
    EXPECT_NE(text.indexOf(QStringLiteral("t = 2 \u201c a\u201d, from s = 1 \u201c key\u201d")), -1) << text.toStdString();
}

TEST(ImpulsePlotTest, AReferenceFromAnotherSourceStepIsNamedNotDrawn) {
    const auto withImpulse = [](int64_t s) {
        auto r = resultWith({{0.5, 0}, {0.5, 0}, {0.5, 0}, {0.5, 0}});
        r->maxLag = 3;
        r->impulseSources = {s};
        r->layers[0].impulse = {1.0, 0.5, 0.25, 0.125};
        return r;
    };
    PlotSource source;
    source.current = withImpulse(0);
    source.reference = withImpulse(0);
    source.referenceLabel = QStringLiteral("pinned");
    ImpulseProbe plot;
    plot.setSource(source);
    EXPECT_EQ(plot.pointCount(), 8) << "the same s: both curves";
    source.reference = withImpulse(2);
    plot.setSource(source);
    EXPECT_EQ(plot.pointCount(), 4) << "another s: the current curve only";
    const auto legend = plot.legend();
    ASSERT_FALSE(legend.empty());
    EXPECT_EQ(legend.back().text, QStringLiteral("pinned: from s = 2, not drawn"));
}

TEST(BinsPlotTest, EveryHeadOfADeepModelIsALayerByHeadMapOfItsLongMemoryShare) {
    auto result = resultWith({{0.5, 0}, {0.95, 0}});
    result->binEdges = {0.0, 0.5, 0.9, 1.0, INFINITY};  // the last two bins: |λ| ≥ 0.9
    result->layers[0].heads = 3;
    result->layers[0].metrics.assign(3, HeadMetrics{});
    result->layers.resize(BinsPlot::kHeatMapLayers + 2, result->layers[0]);
    for (size_t l = 0; l < result->layers.size(); ++l) {
        auto& bins = result->layers[l].binsMean;
        bins.clear();
        for (int h = 0; h < 3; ++h) bins.insert(bins.end(), {50.0 - 10 * h, 10.0, 20.0 + 10 * h, 20.0});  // ≥ 0.9: 40 + 10h
    }
    PlotSource source;
    source.current = result;
    source.heads = PlotSource::Heads::All;
    BinsProbe plot;
    plot.setSource(source);
    EXPECT_EQ(plot.title(), QStringLiteral("|λ| ≥ 0.9 per layer and head"));
    const auto ticks = plot.categoryTicks();
    EXPECT_EQ(ticks.back().second, QStringLiteral("2")) << "the heads along x";
    QImage image(900, 700, QImage::Format_ARGB32);
    {
        QPainter painter(&image);
        plot.render(painter, QRectF(0, 0, 900, 700));
    }
    const Frame& frame = plot.lastFrame();
    for (int h = 0; h < 3; ++h)
        EXPECT_EQ(image.pixelColor(frame.toPixel(double(h), 2.0).toPoint()), sequentialColour((40.0 + 10 * h) / 100.0).toRgb())
            << "head " << h;
    EXPECT_NE(plot.hoverText(frame, frame.toPixel(2.0, 1.0)).indexOf(QStringLiteral("head 2")), -1);
    source.heads = PlotSource::Heads::Band;
    plot.setSource(source);
    EXPECT_EQ(plot.title(), QStringLiteral("|λ| bins per layer")) << "the bins again with the heads' median";
    result->mode = "paper";
    plot.setSource(source);
    EXPECT_EQ(plot.title(), QStringLiteral("|λ| bins per layer (paper mode)")) << "a figure says which analysis it shows";
}

TEST(ImpulsePlotTest, ADeepModelsLegendNamesAFewLayersAndCountsTheRest) {
    auto result = resultWith({{0.5, 0}, {0.5, 0}, {0.5, 0}, {0.5, 0}});
    result->maxLag = 3;
    result->impulseSources = {0};
    result->layers[0].heads = 2;
    result->layers[0].impulse = {1.0, 0.5, 0.25, 0.125, 1.0, 0.4, 0.2, 0.1};
    result->layers.resize(24, result->layers[0]);
    for (size_t l = 0; l < 24; ++l) result->layers[l].index = int64_t(l);
    PlotSource source;
    source.current = result;
    ImpulseProbe plot;
    plot.setSource(source);
    const auto legend = plot.legend();
    ASSERT_EQ(legend.size(), 9u) << "the band's meaning, six layers, the count of the rest, the last layer";
    EXPECT_EQ(legend[0].text, QStringLiteral("median of each layer's heads, 10–90 % band"));
    EXPECT_EQ(legend[1].text, QStringLiteral("layer 0"));
    EXPECT_EQ(legend[7].text, QStringLiteral("⋮ 17 more layers"));
    EXPECT_EQ(legend[8].text, QStringLiteral("layer 23"));
    EXPECT_EQ(plot.pointCount(), 24 * 4) << "every layer still drawn";
}

TEST(EigenPlotTest, TimeColouringHasAColourBarAndTextInputsNameTheirTokens) {
    EigenPlot plot;
    PlotSource source;
    auto result = resultWith({{0.5, 0}, {0.6, 0.1}, {0.7, -0.1}, {0.8, 0}});
    result->tokens = {"a", "b", "c", "d"};
    source.current = result;
    plot.setSource(source);
    QImage image(640, 460, QImage::Format_ARGB32);
    const auto render = [&] {
        QPainter painter(&image);
        plot.render(painter, QRectF(0, 0, 640, 460));
    };
    render();
    const double plainRight = plot.lastFrame().rect.right();
    plot.setColouring(EigenPlot::Colouring::Time);
    render();
    const QRectF frame = plot.lastFrame().rect;
    EXPECT_LT(frame.right(), plainRight) << "room for the colour bar";
    const QColor top = image.pixelColor(int(frame.right() + 16), int(frame.top() + 3));
    const QColor bottom = image.pixelColor(int(frame.right() + 16), int(frame.bottom() - 3));
    EXPECT_GT(top.lightness(), bottom.lightness()) << "viridis: late steps light, early ones dark";
    EXPECT_EQ(tokenAt(result.get(), 2), QString::fromUtf8(" \u201cc\u201d"));
    EXPECT_TRUE(tokenAt(result.get(), 9).isEmpty());
}

TEST(PlotTitle, ALongTitleStaysWithinItsPlot) {
    BinsPlot plot;
    PlotSource source;
    source.current = resultWith({{0.5, 0}, {0.95, 0}});
    plot.setSource(source);
    plot.setTitle(QStringLiteral("mamba2-4layers-seed1 @ step 1200: |λ| bins per layer (paper mode)"));
    // The plot drawn in the middle third of a white strip.
    QImage image(900, 300, QImage::Format_ARGB32);
    image.fill(Qt::white);
    {
        QPainter painter(&image);
        plot.render(painter, QRectF(300, 0, 300, 300));
    }
    // Cut with an ellipsis: whole glyphs with a margin, not a line clipped at both edges (an SVG keeps no clip).
    int left = 900, right = -1;
    for (int y = 0; y < 20; ++y)
        for (int x = 0; x < 900; ++x)
            if (image.pixelColor(x, y) != QColor(Qt::white)) left = std::min(left, x), right = std::max(right, x);
    ASSERT_GT(right, left) << "the title is drawn";
    EXPECT_GT(left, 301);
    EXPECT_LT(right, 598);
}

TEST(Clipping, PolylinesAndPointsAreCutAtTheRectangle) {
    const QRectF rect(0, 0, 10, 10);
    const auto pieces = clip::polyline(QPolygonF{{-5, 5}, {5, 5}, {5, 15}, {8, 5}, {20, 5}}, rect);
    ASSERT_EQ(pieces.size(), 2u);
    EXPECT_EQ(pieces[0], (QPolygonF{{0, 5}, {5, 5}, {5, 10}}));
    EXPECT_EQ(pieces[1].front(), QPointF(6.5, 10));
    EXPECT_EQ(pieces[1].back(), QPointF(10, 5));
    EXPECT_TRUE(clip::polyline(QPolygonF{{-5, -5}, {-1, 20}}, rect).empty());
    EXPECT_EQ(clip::points(QPolygonF{{1, 1}, {11, 1}, {10, 10}}, rect).size(), 2);
}

}  // namespace
}  // namespace eigenscope::ui
