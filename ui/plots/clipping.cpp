#include "plots/clipping.h"

#include <cmath>
#include <functional>

namespace eigenscope::ui::clip {

namespace {

// Liang–Barsky: the parameters [t0, t1] of the segment a → b inside `rect`; false when it misses it.
bool clipSegment(QPointF a, QPointF b, const QRectF& rect, double& t0, double& t1) {
    t0 = 0;
    t1 = 1;
    const double dx = b.x() - a.x(), dy = b.y() - a.y();
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {a.x() - rect.left(), rect.right() - a.x(), a.y() - rect.top(), rect.bottom() - a.y()};
    for (int i = 0; i < 4; ++i) {
        if (p[i] == 0) {
            if (q[i] < 0) return false;
            continue;
        }
        const double t = q[i] / p[i];
        if (p[i] < 0) t0 = std::max(t0, t);
        else t1 = std::min(t1, t);
        if (t0 > t1) return false;
    }
    return true;
}

QPointF along(QPointF a, QPointF b, double t) { return a + t * (b - a); }

}  // namespace

std::vector<QPolygonF> polyline(const QPolygonF& line, const QRectF& rect) {
    std::vector<QPolygonF> pieces;
    if (line.size() == 1 && rect.contains(line.front())) pieces.push_back(line);
    for (int i = 0; i + 1 < line.size(); ++i) {
        double t0 = 0, t1 = 1;
        if (!clipSegment(line[i], line[i + 1], rect, t0, t1)) continue;
        const QPointF from = along(line[i], line[i + 1], t0), to = along(line[i], line[i + 1], t1);
        if (pieces.empty() || t0 > 0 || pieces.back().back() != from) pieces.push_back(QPolygonF{from});
        pieces.back().append(to);
    }
    return pieces;
}

void drawPolyline(QPainter& painter, const QPolygonF& line, const QRectF& rect) {
    for (const auto& piece : polyline(line, rect)) painter.drawPolyline(piece);
}

void drawLine(QPainter& painter, QPointF from, QPointF to, const QRectF& rect) {
    drawPolyline(painter, QPolygonF{from, to}, rect);
}

void drawEllipse(QPainter& painter, QPointF centre, double rx, double ry, const QRectF& rect) {
    const QRectF bounds(centre.x() - rx, centre.y() - ry, 2 * rx, 2 * ry);
    if (rect.contains(bounds)) {
        painter.drawEllipse(bounds);
        return;
    }
    QPolygonF outline;
    constexpr int kSides = 720;
    for (int i = 0; i <= kSides; ++i) {
        const double a = 2 * M_PI * i / kSides;
        outline.append(QPointF(centre.x() + rx * std::cos(a), centre.y() + ry * std::sin(a)));
    }
    drawPolyline(painter, outline, rect);
}

void fillPolygon(QPainter& painter, const QPolygonF& polygon, const QBrush& brush, const QRectF& rect) {
    // Clip against each edge in turn: keep the side inside, add the crossing points.
    QPolygonF out = polygon;
    const auto clipEdge = [&](const std::function<bool(QPointF)>& inside, const std::function<QPointF(QPointF, QPointF)>& cross) {
        QPolygonF in = out;
        out.clear();
        for (int i = 0; i < in.size(); ++i) {
            const QPointF a = in[i], b = in[(i + 1) % in.size()];
            if (inside(b)) {
                if (!inside(a)) out.append(cross(a, b));
                out.append(b);
            } else if (inside(a)) {
                out.append(cross(a, b));
            }
        }
    };
    const auto atX = [](double x) {
        return [x](QPointF a, QPointF b) { return QPointF(x, a.y() + (x - a.x()) * (b.y() - a.y()) / (b.x() - a.x())); };
    };
    const auto atY = [](double y) {
        return [y](QPointF a, QPointF b) { return QPointF(a.x() + (y - a.y()) * (b.x() - a.x()) / (b.y() - a.y()), y); };
    };
    clipEdge([&](QPointF p) { return p.x() >= rect.left(); }, atX(rect.left()));
    clipEdge([&](QPointF p) { return p.x() <= rect.right(); }, atX(rect.right()));
    clipEdge([&](QPointF p) { return p.y() >= rect.top(); }, atY(rect.top()));
    clipEdge([&](QPointF p) { return p.y() <= rect.bottom(); }, atY(rect.bottom()));
    if (out.size() < 3) return;
    painter.save();
    painter.setPen(Qt::NoPen);
    painter.setBrush(brush);
    painter.drawPolygon(out);
    painter.restore();
}

void fillRect(QPainter& painter, const QRectF& r, const QBrush& brush, const QRectF& rect) {
    const QRectF inside = r.normalized().intersected(rect);
    if (!inside.isEmpty()) painter.fillRect(inside, brush);
}

QPolygonF points(const QPolygonF& all, const QRectF& rect) {
    QPolygonF inside;
    for (const QPointF& p : all)
        if (rect.contains(p)) inside.append(p);
    return inside;
}

void drawImage(QPainter& painter, const QRectF& target, const QImage& image, const QRectF& rect) {
    const QRectF inside = target.intersected(rect);
    if (inside.isEmpty() || target.width() <= 0 || target.height() <= 0) return;
    const double sx = image.width() / target.width(), sy = image.height() / target.height();
    const QRectF source((inside.left() - target.left()) * sx, (inside.top() - target.top()) * sy, inside.width() * sx,
                        inside.height() * sy);
    painter.drawImage(inside, image, source);
}

}  // namespace eigenscope::ui::clip
