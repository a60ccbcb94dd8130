#include "plots/plot_widget.h"

#include <QContextMenuEvent>
#include <QFontMetricsF>
#include <QMenu>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace eigenscope::ui {

namespace {

double forward(double v, bool log) { return log ? std::log10(std::max(v, 1e-300)) : v; }
double backward(double v, bool log) { return log ? std::pow(10.0, v) : v; }

QFont plotFont(const QFont& base, int pixels, bool bold = false) {
    QFont font(base);
    font.setPixelSize(pixels);
    font.setBold(bold);
    return font;
}

}  // namespace

double Frame::toPixelX(double v) const {
    const double lo = forward(x.lo, x.log), hi = forward(x.hi, x.log);
    return rect.left() + (forward(v, x.log) - lo) / (hi - lo) * rect.width();
}

double Frame::toPixelY(double v) const {
    const double lo = forward(y.lo, y.log), hi = forward(y.hi, y.log);
    return rect.bottom() - (forward(v, y.log) - lo) / (hi - lo) * rect.height();
}

double Frame::toDataX(double px) const {
    const double lo = forward(x.lo, x.log), hi = forward(x.hi, x.log);
    return backward(lo + (px - rect.left()) / rect.width() * (hi - lo), x.log);
}

double Frame::toDataY(double py) const {
    const double lo = forward(y.lo, y.log), hi = forward(y.hi, y.log);
    return backward(lo + (rect.bottom() - py) / rect.height() * (hi - lo), y.log);
}

std::vector<double> axisTicks(const Axis& axis, double pixels) {
    std::vector<double> ticks;
    const int wanted = std::max(2, int(pixels / 70));
    if (axis.log) {
        const double lo = std::floor(std::log10(axis.lo)), hi = std::ceil(std::log10(axis.hi));
        const double step = std::max(1.0, std::ceil((hi - lo) / wanted));
        for (double e = lo; e <= hi; e += step) {
            const double v = std::pow(10.0, e);
            if (v >= axis.lo * (1 - 1e-9) && v <= axis.hi * (1 + 1e-9)) ticks.push_back(v);
        }
        return ticks;
    }
    const double range = axis.hi - axis.lo;
    if (!(range > 0)) return {axis.lo};
    const double raw = range / wanted;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude;
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        step = m * magnitude;
        if (step >= raw) break;
    }
    for (double v = std::ceil(axis.lo / step) * step; v <= axis.hi + step * 1e-9; v += step)
        ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
    return ticks;
}

QString tickLabel(double value, const Axis& axis) {
    if (axis.log) {
        const int exponent = int(std::lround(std::log10(value)));
        if (exponent >= -2 && exponent <= 3) return QString::number(value, 'g', 4);
        return QStringLiteral("1e%1").arg(exponent);
    }
    return QString::number(value, 'g', 4);
}

QColor categoricalColour(int index) {
    static const QColor colours[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                                     QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75),
                                     QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                                     QColor(23, 190, 207)};
    return colours[std::abs(index) % 10];
}

QColor sequentialColour(double fraction) {
    // Control points of matplotlib's viridis, linearly interpolated.
    static const double stops[][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
    const double f = std::clamp(fraction, 0.0, 1.0) * 4.0;
    const int i = std::min(3, int(f));
    const double w = f - i;
    return QColor(int(stops[i][0] + w * (stops[i + 1][0] - stops[i][0])),
                  int(stops[i][1] + w * (stops[i + 1][1] - stops[i][1])),
                  int(stops[i][2] + w * (stops[i + 1][2] - stops[i][2])));
}

PlotWidget::PlotWidget(const QString& title, QWidget* parent) : QWidget(parent), title_(title) {
    setMouseTracking(true);
    setMinimumSize(260, 200);
    setContextMenuPolicy(Qt::DefaultContextMenu);
    setToolTip(QString());
}

void PlotWidget::setTitle(const QString& title) {
    title_ = title;
    update();
}

void PlotWidget::dataReplaced() {
    ++revision_;
    update();
}

void PlotWidget::setLegendVisible(bool visible) {
    legendVisible_ = visible;
    update();
}

void PlotWidget::resetView() {
    view_.reset();
    update();
}

std::pair<Axis, Axis> PlotWidget::dataRange() const {
    Axis x, y;
    dataAxes(x, y);
    return {x, y};
}

void PlotWidget::setView(const Axis& x, const Axis& y) {
    view_ = std::make_pair(x, y);
    update();
}

Frame PlotWidget::frameFor(const QRectF& target, const QFontMetricsF& metrics) const {
    Frame frame;
    if (view_) {
        frame.x = view_->first;
        frame.y = view_->second;
    } else {
        dataAxes(frame.x, frame.y);
    }
    const double line = metrics.height();
    const double left = metrics.horizontalAdvance(QStringLiteral("-0.0001")) + line * 1.6;
    // Below the data: the tick labels, the axis label and room for their descenders.
    frame.rect = QRectF(target.left() + left, target.top() + line * 1.8, target.width() - left - rightMargin(),
                        target.height() - line * 4.6);
    if (equalAspect() && frame.rect.width() > 0 && frame.rect.height() > 0) {
        const double perPixelX = (frame.x.hi - frame.x.lo) / frame.rect.width();
        const double perPixelY = (frame.y.hi - frame.y.lo) / frame.rect.height();
        if (perPixelX > perPixelY) {
            const double mid = 0.5 * (frame.y.lo + frame.y.hi), half = 0.5 * perPixelX * frame.rect.height();
            frame.y.lo = mid - half;
            frame.y.hi = mid + half;
        } else {
            const double mid = 0.5 * (frame.x.lo + frame.x.hi), half = 0.5 * perPixelY * frame.rect.width();
            frame.x.lo = mid - half;
            frame.x.hi = mid + half;
        }
    }
    return frame;
}

void PlotWidget::render(QPainter& painter, const QRectF& target, bool onScreen) const {
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing, true);
    onScreen_ = onScreen;
    background_ = onScreen ? palette().color(QPalette::Base) : QColor(Qt::white);
    foreground_ = onScreen ? palette().color(QPalette::Text) : QColor(Qt::black);
    const bool dark = background_.lightness() < 128;
    painter.fillRect(target, background_);
    const QFont labelFont = plotFont(font(), 11);
    painter.setFont(plotFont(font(), 13, true));
    painter.setPen(foreground_);
    const QFontMetricsF titleMetrics(painter.font(), painter.device());
    // A title wider than the plot (a board cell's "model: plot") is cut with an ellipsis, not run into its neighbour.
    painter.drawText(QRectF(target.left(), target.top() + 2, target.width(), titleMetrics.height()), Qt::AlignCenter,
                     titleMetrics.elidedText(title_, Qt::ElideRight, target.width() - 4));
    painter.setFont(labelFont);
    const QFontMetricsF metrics(labelFont, painter.device());
    const Frame frame = frameFor(target, metrics);
    const_cast<PlotWidget*>(this)->lastFrame_ = frame;
    if (frame.rect.width() < 10 || frame.rect.height() < 10) {
        painter.restore();
        return;
    }
    if (!hasData()) {
        painter.setPen(Qt::gray);
        painter.drawText(frame.rect, Qt::AlignCenter, emptyText());
        painter.restore();
        return;
    }
    const QPen gridPen(dark ? QColor(70, 70, 70) : QColor(225, 225, 225), 0);
    const QPen axisPen(foreground_, 0);
    auto xTicks = categoryTicks();
    if (xTicks.empty())
        for (double v : axisTicks(frame.x, frame.rect.width())) xTicks.emplace_back(v, tickLabel(v, frame.x));
    const double tickWidth = frame.rect.width() / double(std::max<size_t>(xTicks.size(), 1));
    for (const auto& [v, text] : xTicks) {
        const double px = frame.toPixelX(v);
        if (px < frame.rect.left() - 0.5 || px > frame.rect.right() + 0.5) continue;  // a category zoomed out of view
        painter.setPen(gridPen);
        painter.drawLine(QPointF(px, frame.rect.top()), QPointF(px, frame.rect.bottom()));
        painter.setPen(axisPen);
        painter.drawText(QRectF(px - tickWidth / 2, frame.rect.bottom() + 3, tickWidth, metrics.height()),
                         Qt::AlignHCenter | Qt::AlignTop, text);
    }
    auto yTicks = yCategoryTicks();
    if (yTicks.empty())
        for (double v : axisTicks(frame.y, frame.rect.height())) yTicks.emplace_back(v, tickLabel(v, frame.y));
    for (const auto& [v, text] : yTicks) {
        const double py = frame.toPixelY(v);
        if (py < frame.rect.top() - 0.5 || py > frame.rect.bottom() + 0.5) continue;
        painter.setPen(gridPen);
        painter.drawLine(QPointF(frame.rect.left(), py), QPointF(frame.rect.right(), py));
        painter.setPen(axisPen);
        painter.drawText(QRectF(target.left(), py - metrics.height() / 2, frame.rect.left() - target.left() - 4,
                                metrics.height()),
                         Qt::AlignRight | Qt::AlignVCenter, text);
    }
    painter.drawText(QRectF(frame.rect.left(), frame.rect.bottom() + metrics.height() + 4, frame.rect.width(),
                            metrics.height()),
                     Qt::AlignHCenter, frame.x.label);
    painter.save();
    painter.translate(target.left() + 2, frame.rect.center().y());
    painter.rotate(-90);
    painter.drawText(QRectF(-frame.rect.height() / 2, 0, frame.rect.height(), metrics.height()), Qt::AlignHCenter,
                     frame.y.label);
    painter.restore();

    painter.save();
    painter.setClipRect(frame.rect);
    paintData(painter, frame);
    painter.restore();
    painter.setPen(axisPen);
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(frame.rect);

    const auto entries = legendVisible_ ? legend() : std::vector<LegendEntry>{};
    if (!entries.empty()) {
        double width = 0;
        for (const auto& e : entries) width = std::max(width, metrics.horizontalAdvance(e.text));
        const double rowHeight = metrics.height();
        const QRectF box(frame.rect.right() - width - 40, frame.rect.top() + 6, width + 34,
                         rowHeight * double(entries.size()) + 6);
        painter.setPen(QPen(QColor(150, 150, 150), 0));
        QColor fill = background_;
        fill.setAlpha(220);
        painter.setBrush(fill);
        painter.drawRect(box);
        for (size_t i = 0; i < entries.size(); ++i) {
            const double y = box.top() + 3 + rowHeight * (double(i) + 0.5);
            QPen pen(entries[i].colour, 2);
            if (entries[i].dashed) pen.setStyle(Qt::DashLine);
            painter.setPen(pen);
            painter.drawLine(QPointF(box.left() + 4, y), QPointF(box.left() + 24, y));
            painter.setPen(foreground_);
            painter.drawText(QRectF(box.left() + 28, y - rowHeight / 2, width + 4, rowHeight), Qt::AlignVCenter,
                             entries[i].text);
        }
    }
    painter.restore();
}

void PlotWidget::paintColourBar(QPainter& painter, const Frame& frame, double lo, double hi, bool log,
                                const QString& label) const {
    painter.save();
    painter.setClipping(false);  // right of the data area
    const QRectF bar(frame.rect.right() + 10, frame.rect.top(), 12, frame.rect.height());
    for (int i = 0; i < int(bar.height()); ++i)
        painter.fillRect(QRectF(bar.left(), bar.bottom() - i - 1, bar.width(), 1.5), sequentialColour(i / bar.height()));
    painter.setPen(foreground_);
    const double span = std::max(hi - lo, 1e-9);
    std::vector<double> ticks;
    if (log) {
        const int step = std::max(1, int(std::ceil(span / 6)));
        for (int e = int(std::ceil(lo)); e <= int(std::floor(hi)); e += step) ticks.push_back(e);
    } else {
        ticks = axisTicks(Axis{lo, hi, false, {}}, bar.height());
    }
    for (double v : ticks) {
        const double y = bar.bottom() - (v - lo) / span * bar.height();
        painter.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 3, y));
        painter.drawText(QPointF(bar.right() + 5, y + 4), log ? QStringLiteral("1e%1").arg(int(v)) : QString::number(v, 'g', 4));
    }
    painter.translate(bar.right() + 44, bar.center().y());
    painter.rotate(-90);
    painter.drawText(QRectF(-bar.height() / 2, 0, bar.height(), 14), Qt::AlignHCenter, label);
    painter.restore();
}

void PlotWidget::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    render(painter, rect(), true);
}

void PlotWidget::contextMenuEvent(QContextMenuEvent* event) {
    QMenu menu(this);
    menu.addAction(tr("Export this plot…"), this, [this] { Q_EMIT exportRequested(this); });
    menu.addAction(tr("Enlarge / restore"), this, [this] { Q_EMIT enlargeRequested(this); });
    menu.addAction(tr("Reset zoom"), this, [this] { resetView(); });
    auto* legendAction = menu.addAction(tr("Show legend"), this, [this](bool on) { setLegendVisible(on); });
    legendAction->setCheckable(true);
    legendAction->setChecked(legendVisible_);
    menu.exec(event->globalPos());
}

void PlotWidget::zoomAround(QPointF pixel, double factor) {
    const Frame& f = lastFrame_;
    if (!f.rect.contains(pixel)) return;
    Axis x = f.x, y = f.y;
    const auto scale = [factor](Axis& axis, double at) {
        const double lo = forward(axis.lo, axis.log), hi = forward(axis.hi, axis.log), c = forward(at, axis.log);
        axis.lo = backward(c - (c - lo) * factor, axis.log);
        axis.hi = backward(c + (hi - c) * factor, axis.log);
    };
    scale(x, f.toDataX(pixel.x()));
    scale(y, f.toDataY(pixel.y()));
    view_ = std::make_pair(x, y);
    update();
}

void PlotWidget::wheelEvent(QWheelEvent* event) {
    zoomAround(event->position(), event->angleDelta().y() > 0 ? 0.8 : 1.25);
    event->accept();
}

void PlotWidget::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton && lastFrame_.rect.contains(event->position())) dragFrom_ = event->position();
}

void PlotWidget::mouseMoveEvent(QMouseEvent* event) {
    const QPointF at = event->position();
    if (dragFrom_) {
        const Frame& f = lastFrame_;
        Axis x = f.x, y = f.y;
        const auto shift = [](Axis& axis, double from, double to) {
            const double d = forward(from, axis.log) - forward(to, axis.log);
            axis.lo = backward(forward(axis.lo, axis.log) + d, axis.log);
            axis.hi = backward(forward(axis.hi, axis.log) + d, axis.log);
        };
        shift(x, f.toDataX(dragFrom_->x()), f.toDataX(at.x()));
        shift(y, f.toDataY(dragFrom_->y()), f.toDataY(at.y()));
        view_ = std::make_pair(x, y);
        dragFrom_ = at;
        update();
        return;
    }
    if (hasData() && lastFrame_.rect.contains(at)) {
        const QString text = hoverText(lastFrame_, at);
        if (!text.isEmpty()) {
            QToolTip::showText(event->globalPosition().toPoint(), text, this);
            return;
        }
    }
    QToolTip::hideText();
}

void PlotWidget::mouseReleaseEvent(QMouseEvent*) { dragFrom_.reset(); }

void PlotWidget::mouseDoubleClickEvent(QMouseEvent*) { resetView(); }

}  // namespace eigenscope::ui
