<!-- placeholder <canvas> -->
