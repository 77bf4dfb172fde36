"""The purpose register and the public camera register built from it (docs/camera-register.md);
writes in `cctv.services.register`."""
