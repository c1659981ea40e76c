"""System tests: the kiosk installed by the README in a QEMU VM, under real systemd."""
