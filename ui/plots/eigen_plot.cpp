#include "plots/eigen_plot.h"

#include "plots/clipping.h"

#include <QImage>
#include <QPaintEngine>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <complex>
#include <functional>
#include <map>

namespace eigenscope::ui {

namespace {
constexpr int kTimeColours = 32;

// An antialiased disc of the given diameter, drawn once per colour and blitted per point.
QImage disc(const QColor& colour, double diameter) {
    const int size = int(std::ceil(diameter)) + 2;
    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(colour);
    painter.drawEllipse(QPointF(size / 2.0, size / 2.0), diameter / 2, diameter / 2);
    return image;
}

}  // namespace

EigenPlot::EigenPlot(QWidget* parent) : PlotWidget(tr("Eigenvalues of Λ_t"), parent) {}

std::vector<EigenPlot::Point> EigenPlot::collect(const AnalysisResult& result, const PlotSource& source) {
    std::vector<Point> points;
    for (size_t l = 0; l < result.layers.size(); ++l) {
        if (!source.showsLayer(l)) continue;
        const auto& layer = result.layers[l];
        const int64_t B = layer.batch, T = layer.steps, H = layer.heads, K = layer.modes;
        points.reserve(points.size() + layer.eig.size());
        for (int64_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < T; ++t)
                for (int64_t h = 0; h < H; ++h)
                    for (int64_t k = 0; k < K; ++k) {
                        const auto z = layer.eig[size_t(((b * T + t) * H + h) * K + k)];
                        points.push_back({float(z.real()), float(z.imag()), int(l), int(h), int(layer.firstStep + t),
                                          int(b), int(k)});
                    }
    }
    return points;
}

void EigenPlot::setSource(const PlotSource& source) {
    source_ = source;
    points_ = source.current ? collect(*source.current, source) : std::vector<Point>{};
    referencePoints_ = source.referenceMatches() ? collect(*source.reference, source) : std::vector<Point>{};
    maxT_ = 1;
    double extent = 1.0;
    for (const auto& p : points_) {
        maxT_ = std::max(maxT_, p.t + 1);
        if (std::isfinite(p.re) && std::isfinite(p.im)) extent = std::max({extent, double(std::abs(p.re)), double(std::abs(p.im))});
    }
    extent_ = extent * 1.1;
    resetView();
    dataReplaced();
}

void EigenPlot::setColouring(Colouring colouring) {
    colouring_ = colouring;
    update();
}

void EigenPlot::dataAxes(Axis& x, Axis& y) const {
    x = {-extent_, extent_, false, tr("Re λ")};
    y = {-extent_, extent_, false, tr("Im λ")};
}

int EigenPlot::colourKey(const Point& p) const {
    switch (colouring_) {
    case Colouring::Layer: return p.layer;
    case Colouring::Head: return p.head;
    case Colouring::Time: return std::min(kTimeColours - 1, p.t * kTimeColours / maxT_);
    }
    return 0;
}

QColor EigenPlot::colourOf(int key) const {
    if (colouring_ == Colouring::Time) return sequentialColour((key + 0.5) / kTimeColours);
    return categoricalColour(key);
}

void EigenPlot::paintData(QPainter& painter, const Frame& frame) const {
    const QPointF origin = frame.toPixel(0, 0);
    const double radiusX = frame.toPixelX(1) - origin.x(), radiusY = origin.y() - frame.toPixelY(1);
    painter.setPen(QPen(QColor(90, 90, 90), 0, Qt::DashLine));
    painter.setBrush(Qt::NoBrush);
    clip::drawEllipse(painter, origin, radiusX, radiusY, frame.rect);
    painter.setPen(QPen(QColor(200, 200, 200), 0));
    clip::drawLine(painter, QPointF(frame.rect.left(), origin.y()), QPointF(frame.rect.right(), origin.y()), frame.rect);
    clip::drawLine(painter, QPointF(origin.x(), frame.rect.top()), QPointF(origin.x(), frame.rect.bottom()), frame.rect);

    if (densityMode()) {
        paintDensity(painter, frame);
        return;
    }
    // On raster devices each point is a pre-rendered antialiased disc (a blit); vector devices (SVG, PDF) get
    // real points. Antialiased wide-pen points cost ~8 µs each on the raster engine (bench/gui_bench scatter).
    const bool raster = painter.paintEngine() && painter.paintEngine()->type() == QPaintEngine::Raster;
    const auto drawAll = [&](const std::vector<Point>& points, const std::function<QColor(const Point&)>& colour,
                             const std::function<int(const Point&)>& key, double width) {
        std::map<int, QPolygonF> buckets;
        std::map<int, QColor> colours;
        for (const auto& p : points) {
            const int k = key(p);
            buckets[k].append(frame.toPixel(p.re, p.im));
            if (!colours.count(k)) colours[k] = colour(p);
        }
        // A marker is drawn only where it fits inside the frame whole.
        const QRectF inner = frame.rect.adjusted(width / 2, width / 2, -width / 2, -width / 2);
        for (auto& [k, all] : buckets) {
            const QPolygonF polygon = clip::points(all, inner);
            if (!raster) {
                painter.setPen(QPen(colours[k], width, Qt::SolidLine, Qt::RoundCap));
                painter.drawPoints(polygon);
                continue;
            }
            const QImage sprite = disc(colours[k], width);
            const QPointF offset(sprite.width() / 2.0, sprite.height() / 2.0);
            for (const QPointF& q : polygon) painter.drawImage(q - offset, sprite);
        }
    };
    if (!referencePoints_.empty() && qint64(referencePoints_.size()) <= kDensityThreshold)
        drawAll(referencePoints_, [](const Point&) { return QColor(170, 170, 170); }, [](const Point&) { return 0; }, 6.0);
    drawAll(points_, [this](const Point& p) { return colourOf(colourKey(p)); }, [this](const Point& p) { return colourKey(p); },
            3.5);
    if (timeBar()) paintColourBar(painter, frame, 0, maxT_ - 1, false, tr("time step t"));
}

void EigenPlot::paintDensity(QPainter& painter, const Frame& frame) const {
    const int w = std::max(1, int(frame.rect.width())), h = std::max(1, int(frame.rect.height()));
    std::vector<uint32_t> counts(size_t(w) * size_t(h), 0);
    for (const auto& p : points_) {
        const int px = int(frame.toPixelX(p.re) - frame.rect.left()), py = int(frame.toPixelY(p.im) - frame.rect.top());
        if (px >= 0 && px < w && py >= 0 && py < h) ++counts[size_t(py) * size_t(w) + size_t(px)];
    }
    const uint32_t most = *std::max_element(counts.begin(), counts.end());
    if (most == 0) return;
    QImage image(w, h, QImage::Format_ARGB32);
    image.fill(Qt::transparent);
    const double scale = 1.0 / std::log1p(double(most));
    for (int y = 0; y < h; ++y) {
        auto* row = reinterpret_cast<QRgb*>(image.scanLine(y));
        for (int x = 0; x < w; ++x) {
            const uint32_t c = counts[size_t(y) * size_t(w) + size_t(x)];
            if (c) row[x] = sequentialColour(std::log1p(double(c)) * scale).rgb();
        }
    }
    painter.drawImage(frame.rect.topLeft(), image);
}

std::vector<LegendEntry> EigenPlot::legend() const {
    std::vector<LegendEntry> entries;
    if (densityMode()) {
        entries.push_back({tr("density of %1 values (log)").arg(points_.size()), sequentialColour(0.8)});
    } else if (colouring_ != Colouring::Time) {
        int most = 0;
        for (const auto& p : points_) most = std::max(most, colouring_ == Colouring::Layer ? p.layer : p.head);
        for (int i = 0; i <= std::min(most, 9); ++i)
            if (colouring_ == Colouring::Layer ? source_.showsLayer(size_t(i)) : true)
                entries.push_back({colouring_ == Colouring::Layer ? tr("layer %1").arg(source_.layerNumber(size_t(i)))
                                                                  : tr("head %1").arg(i),
                                   categoricalColour(i)});
    }
    if (!referencePoints_.empty()) entries.push_back({source_.referenceLabel, QColor(170, 170, 170)});
    entries.push_back({tr("|λ| = 1"), QColor(90, 90, 90), true});
    return entries;
}

QString EigenPlot::hoverText(const Frame& frame, QPointF pixel) const {
    if (densityMode()) {
        const double re = frame.toDataX(pixel.x()), im = frame.toDataY(pixel.y());
        const double tolerance = 2.0 * (frame.toDataX(pixel.x() + 1) - re);
        qint64 count = 0;
        for (const auto& p : points_) count += std::abs(p.re - re) <= tolerance && std::abs(p.im - im) <= tolerance;
        return tr("λ ≈ %1 %2 %3i\n|λ| ≈ %4\n%5 eigenvalues within 2 px")
            .arg(re, 0, 'f', 4).arg(im < 0 ? "−" : "+").arg(std::abs(im), 0, 'f', 4).arg(std::hypot(re, im), 0, 'f', 4).arg(count);
    }
    const Point* nearest = nullptr;
    double best = 64.0;  // within 8 px
    for (const auto& p : points_) {
        const QPointF q = frame.toPixel(p.re, p.im);
        const double d = (q.x() - pixel.x()) * (q.x() - pixel.x()) + (q.y() - pixel.y()) * (q.y() - pixel.y());
        if (d < best) {
            best = d;
            nearest = &p;
        }
    }
    if (!nearest) return {};
    const std::complex<double> z(nearest->re, nearest->im);
    return tr("layer %1, head %2, t = %3%4, sample %5, mode %6\nλ = %7 %8 %9i\n|λ| = %10, arg λ = %11°")
        .arg(source_.layerNumber(size_t(nearest->layer))).arg(nearest->head).arg(nearest->t)
        .arg(nearest->sample == 0 ? tokenAt(source_.current.get(), nearest->t) : QString()).arg(nearest->sample).arg(nearest->mode)
        .arg(z.real(), 0, 'f', 5).arg(z.imag() < 0 ? "−" : "+").arg(std::abs(z.imag()), 0, 'f', 5)
        .arg(std::abs(z), 0, 'f', 5).arg(std::arg(z) * 180.0 / M_PI, 0, 'f', 2);
}

}  // namespace eigenscope::ui
