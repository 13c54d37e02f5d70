resource "random_integer" "rnd_int" {
  min     = 1
  max     = 10000
}