// Plot geometry clipped to the data rectangle by the plots themselves: Qt's SVG generator (6.4) ignores clip
// regions, so a vector export would otherwise draw curves across the axes, the labels and off the figure.
#pragma once

#include <QImage>
#include <QPainter>
#include <QPolygonF>
#include <QRectF>

#include <vector>

namespace eigenscope::ui::clip {

// The pieces of a polyline inside `rect` (Liang–Barsky on each segment, consecutive pieces joined).
std::vector<QPolygonF> polyline(const QPolygonF& line, const QRectF& rect);
void drawPolyline(QPainter& painter, const QPolygonF& line, const QRectF& rect);
void drawLine(QPainter& painter, QPointF from, QPointF to, const QRectF& rect);
// The outline of an ellipse, as a 720-gon when it crosses the rectangle.
void drawEllipse(QPainter& painter, QPointF centre, double rx, double ry, const QRectF& rect);
// A filled polygon's part inside `rect` (Sutherland–Hodgman; no outline).
void fillPolygon(QPainter& painter, const QPolygonF& polygon, const QBrush& brush, const QRectF& rect);
// A filled rectangle's part inside `rect` (no outline).
void fillRect(QPainter& painter, const QRectF& r, const QBrush& brush, const QRectF& rect);
// The points inside `rect`.
QPolygonF points(const QPolygonF& points, const QRectF& rect);
// The part of `image` (spread over `target`) that falls inside `rect`.
void drawImage(QPainter& painter, const QRectF& target, const QImage& image, const QRectF& rect);

}  // namespace eigenscope::ui::clip
