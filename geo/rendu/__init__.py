"""What draws and writes the data: Leaflet elements (leaflet), a territory's base map
(carte_territoire), its overlays (surcouches/), charts, the PDF brief (fiche),
exports, the report and the jobs view.
"""
