package config
import ("testing";"context";"github.com/urfave/cli/v3";"os")
func TestZZHelp(t *testing.T){ cmd:=&cli.Command{Name:"chmcp",Flags:Flags(),Writer:os.Stdout}; cmd.Run(context.Background(), []string{"chmcp","--help"}) }
