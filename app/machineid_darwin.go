//go:build darwin

package app

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"time"
)

// systemMachineID reads IOPlatformUUID with ioreg.
func systemMachineID() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ioreg", "-rd1", "-c", "IOPlatformExpertDevice").Output()
	if err != nil {
		return "", fmt.Errorf("ioreg: %w: %w", ErrNoMachineID, err)
	}
	m := regexp.MustCompile(`"IOPlatformUUID"\s*=\s*"([^"]+)"`).FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("ioreg: %w", ErrNoMachineID)
	}
	return string(m[1]), nil
}
