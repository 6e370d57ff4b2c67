"""The Qt window: widgets, panels and controllers over the Qt-free core."""
